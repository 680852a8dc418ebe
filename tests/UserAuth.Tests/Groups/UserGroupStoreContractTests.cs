using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Groups;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Groups;

/// <summary>The <see cref="IUserGroupStore"/> port's contract, run against every adapter.</summary>
public abstract class UserGroupStoreContractTests(ApiFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Tenant tenant = new("1001", ApiFixture.NewApplicationId());

    private IUserGroupStore Store
    {
        get
        {
            fixture.RequireStore();
            return fixture.Services.GetRequiredService<IUserGroupStore>();
        }
    }

    private UserGroup NewGroup(string name = "Group", Tenant? where = null, string type = GroupTypes.Bulk)
    {
        var t = where ?? tenant;
        var now = new DateTime(2026, 11, 27, 10, 0, 0, 123, DateTimeKind.Utc);
        return new UserGroup
        {
            Id = Ids.New(),
            CompanyId = t.CompanyId,
            ApplicationId = t.ApplicationId,
            Name = name,
            NameLc = name.ToLowerInvariant(),
            Description = "d",
            Type = type,
            Status = GroupStatuses.Pending,
            FileUrl = "https://files.example.com/a.csv",
            RunId = Ids.New(),
            RunSource = RunSources.Json,
            PendingUserData = [new UserDataEntry { Action = "add", Email = "a@example.com" }],
            Conditions = type == GroupTypes.Conditional
                ? [new GroupCondition { UserAttributeDefinitionId = Ids.New(), Type = "in", Value = "[\"a\",\"b\"]" }]
                : [],
            CreatedAt = now,
            ModifiedAt = now,
        };
    }

    private async Task<string> NewUserAsync(UserState state = UserState.Live)
    {
        var user = Build.StoredUser(tenant, state: state);
        await fixture.Services.GetRequiredService<IUserStore>().InsertAsync(user, None);
        return user.Id;
    }

    [Fact]
    public async Task Groups_get_increasing_uids_per_application_and_read_back_whole()
    {
        var first = NewGroup("First");
        Assert.Equal(1, await Store.InsertAsync(first, None));
        Assert.Equal(2, await Store.InsertAsync(NewGroup("Second"), None));
        Assert.Equal(1, await Store.InsertAsync(NewGroup("Elsewhere", new Tenant("1001", ApiFixture.NewApplicationId())), None));
        var conditional = NewGroup("Cond", type: GroupTypes.Conditional);
        Assert.Equal(3, await Store.InsertAsync(conditional, None));

        var read = await Store.FindByUidAsync(tenant, 1, None);
        Assert.NotNull(read);
        Assert.Equal(first.Id, read.Id);
        Assert.Equal(first.RunId, read.RunId);
        Assert.Equal(first.CreatedAt, read.CreatedAt);
        Assert.Equal("a@example.com", Assert.Single(read.PendingUserData).Email);
        Assert.Equal(read.Id, (await Store.FindByIdAsync(tenant, first.Id, None))?.Id);
        Assert.Null(await Store.FindByIdAsync(new Tenant("2002", tenant.ApplicationId), first.Id, None));
        var condition = Assert.Single((await Store.FindByUidAsync(tenant, 3, None))!.Conditions);
        Assert.Equal("[\"a\",\"b\"]", condition.Value);
        Assert.Equal([conditional.Id], (await Store.ListByTypeAsync(tenant, GroupTypes.Conditional, 10, None)).Select(g => g.Id));
        Assert.Equal(new long[] { 1, 3 }, (await Store.FindByUidsAsync(tenant, [3, 1, 9], None)).Select(g => g.Uid));
    }

    [Fact]
    public async Task Concurrent_inserts_get_distinct_uids()
    {
        var uids = await Task.WhenAll(Enumerable.Range(0, 25).Select(i => Task.Run(() => Store.InsertAsync(NewGroup($"g{i}"), None))));
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), uids.Order());
    }

    [Fact]
    public async Task Replace_is_conditional_on_the_version()
    {
        var group = NewGroup();
        await Store.InsertAsync(group, None);
        group.Status = GroupStatuses.Completed;
        group.Version = 1;
        Assert.True(await Store.ReplaceAsync(group, 0, None));
        group.Name = "lost";
        Assert.False(await Store.ReplaceAsync(group, 0, None));
        var read = await Store.FindByUidAsync(tenant, group.Uid, None);
        Assert.Equal(GroupStatuses.Completed, read?.Status);
        Assert.Equal("Group", read?.Name);
    }

    [Fact]
    public async Task Lists_filter_and_page_newest_first()
    {
        foreach (var name in new[] { "Summer Sale", "Winter sale", "VIP" })
        {
            await Store.InsertAsync(NewGroup(name), None);
        }

        var (all, total) = await Store.ListAsync(tenant, new GroupFilter(null, null, null, null), 0, 2, None);
        Assert.Equal(3, total);
        Assert.Equal(new long[] { 3, 2 }, all.Select(g => g.Uid));
        var (sale, saleTotal) = await Store.ListAsync(tenant, new GroupFilter("sale", GroupTypes.Bulk, GroupStatuses.Pending, null), 0, 10, None);
        Assert.Equal(2, saleTotal);
        Assert.Equal(new long[] { 2, 1 }, sale.Select(g => g.Uid));
        Assert.Equal(0, (await Store.ListAsync(tenant, new GroupFilter("(", null, null, null), 0, 10, None)).Total);
        Assert.Equal(1, (await Store.ListAsync(tenant, new GroupFilter(null, null, null, 3), 0, 10, None)).Total);
    }

    [Fact]
    public async Task Members_are_idempotent_sets_and_reads_keep_live_users_only()
    {
        var group = NewGroup();
        await Store.InsertAsync(group, None);
        var live1 = await NewUserAsync();
        var live2 = await NewUserAsync();
        var archived = await NewUserAsync(UserState.Archived);
        await Store.AddMembersAsync(tenant, group.Uid, [live1, live2, archived], None);
        await Store.AddMembersAsync(tenant, group.Uid, [live1], None);
        var (ids, total) = await Store.ListLiveMembersAsync(tenant, group.Uid, 0, 10, None);
        Assert.Equal(new[] { live1, live2 }.Order(), ids);
        Assert.Equal(2, total);
        Assert.Equal([live2 == ids[0] ? live2 : live1], (await Store.ListLiveMembersAsync(tenant, group.Uid, 0, 1, None)).UserIds);
        Assert.Equal([group.Uid], await Store.FindUidsOfMemberAsync(tenant, live1, None));
        var stranger = await NewUserAsync();
        Assert.Equal(new[] { live1, live2 }.Order(),
            await Store.FindLiveMembersAmongAsync(tenant, group.Uid, [live2, archived, stranger, live1, "000000000000000000000000"], None));
        Assert.Equal([live2], await Store.FindLiveMembersAmongAsync(tenant, group.Uid, [live2], None));
        Assert.Empty(await Store.FindLiveMembersAmongAsync(tenant, group.Uid + 1, [live1, live2], None));
        Assert.Empty(await Store.FindLiveMembersAmongAsync(new Tenant("2002", tenant.ApplicationId), group.Uid, [live1], None));
        Assert.Empty(await Store.FindLiveMembersAmongAsync(tenant, group.Uid, [], None));

        await Store.RemoveMembersAsync(tenant, group.Uid, [live1, live1], None);
        Assert.Equal([live2], (await Store.ListLiveMembersAsync(tenant, group.Uid, 0, 10, None)).UserIds);
        Assert.Empty(await Store.FindUidsOfMemberAsync(tenant, live1, None));
        Assert.Empty((await Store.ListLiveMembersAsync(new Tenant("2002", tenant.ApplicationId), group.Uid, 0, 10, None)).UserIds);
    }

    [Fact]
    public async Task The_live_member_total_follows_member_and_user_state_changes()
    {
        var group = NewGroup();
        await Store.InsertAsync(group, None);
        var other = NewGroup("Other");
        await Store.InsertAsync(other, None);
        var users = fixture.Services.GetRequiredService<IUserStore>();
        var member = Build.StoredUser(tenant);
        await users.InsertAsync(member, None);
        var archived = await NewUserAsync(UserState.Archived);
        var live = await NewUserAsync();
        await Store.AddMembersAsync(tenant, group.Uid, [member.Id, archived, live], None);
        await Store.AddMembersAsync(tenant, other.Uid, [member.Id], None);
        Assert.Equal(2, (await Store.ListLiveMembersAsync(tenant, group.Uid, 0, 1, None)).Total);
        Assert.Equal(1, (await Store.ListLiveMembersAsync(tenant, other.Uid, 0, 1, None)).Total);

        // The member leaves the live state (in both of its groups) and comes back; a write that keeps the state changes nothing.
        member.State = UserState.Archived;
        member.Version++;
        Assert.True(await users.ReplaceAsync(member, member.Version - 1, None));
        Assert.Equal(1, (await Store.ListLiveMembersAsync(tenant, group.Uid, 0, 10, None)).Total);
        Assert.Equal(0, (await Store.ListLiveMembersAsync(tenant, other.Uid, 0, 10, None)).Total);
        member.Version++;
        Assert.True(await users.ReplaceAsync(member, member.Version - 1, None));
        Assert.Equal(1, (await Store.ListLiveMembersAsync(tenant, group.Uid, 0, 10, None)).Total);
        member.State = UserState.Live;
        member.Version++;
        Assert.True(await users.ReplaceAsync(member, member.Version - 1, None));
        Assert.Equal(2, (await Store.ListLiveMembersAsync(tenant, group.Uid, 0, 10, None)).Total);
        Assert.Equal(1, (await Store.ListLiveMembersAsync(tenant, other.Uid, 0, 10, None)).Total);

        // Removing a live member counts it out, removing an archived one (or one that is not there) changes nothing.
        await Store.RemoveMembersAsync(tenant, group.Uid, [live, archived, Ids.New()], None);
        var (ids, total) = await Store.ListLiveMembersAsync(tenant, group.Uid, 0, 10, None);
        Assert.Equal([member.Id], ids);
        Assert.Equal(1, total);
        Assert.Equal(0, (await Store.ListLiveMembersAsync(tenant, group.Uid + 100, 0, 10, None)).Total);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteUserGroupStoreContractTests(SqliteStoreFixture fixture) : UserGroupStoreContractTests(fixture), IClassFixture<SqliteStoreFixture>;

[Collection(MongoCollection.Name)]
public sealed class MongoUserGroupStoreContractTests(MongoStoreFixture fixture) : UserGroupStoreContractTests(fixture), IClassFixture<MongoStoreFixture>;
