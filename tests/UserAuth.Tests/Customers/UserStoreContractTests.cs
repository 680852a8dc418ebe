using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Customers;

/// <summary>The <see cref="IUserStore"/> port's contract, run against every adapter.</summary>
public abstract class UserStoreContractTests(ApiFixture fixture)
{
    private readonly Tenant tenant = new("1001", ApiFixture.NewApplicationId());
    private static readonly CancellationToken None = CancellationToken.None;

    private IUserStore Store
    {
        get
        {
            fixture.RequireStore();
            return fixture.Services.GetRequiredService<IUserStore>();
        }
    }

    private User NewUser(string? username = null, string? email = null, DateTime? createdAt = null, Tenant? where = null) =>
        Build.StoredUser(where ?? tenant, username, email, createdAt: createdAt, meta: """{"k": [1, "two", {"three": 3}]}""");

    [Fact]
    public async Task Inserted_users_read_back_whole_and_only_in_their_tenant()
    {
        var user = NewUser(email: "ada@example.com");
        await Store.InsertAsync(user, None);

        var read = await Store.FindByIdAsync(tenant, user.Id, None);
        Assert.NotNull(read);
        Assert.Equal(user.Username, read.Username);
        Assert.Equal(user.CreatedAt, read.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, read.CreatedAt.Kind);
        Assert.Equal("ada@example.com", Assert.Single(read.Emails).Email);
        Assert.Equal(user.PhoneNumbers[0].E164, Assert.Single(read.PhoneNumbers).E164);
        Assert.Equal(System.Text.Json.JsonDocument.Parse(user.Meta!).RootElement.GetRawText().Replace(" ", "", StringComparison.Ordinal),
            System.Text.Json.JsonDocument.Parse(read.Meta!).RootElement.GetRawText().Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal(user.IdentityKeys.Order(), read.IdentityKeys.Order());
        Assert.Equal("created", Assert.Single(read.Timeline).Type);

        Assert.Null(await Store.FindByIdAsync(new Tenant("2002", tenant.ApplicationId), user.Id, None));
        Assert.Null(await Store.FindByIdAsync(new Tenant("1001", ApiFixture.NewApplicationId()), user.Id, None));
        Assert.Single(await Store.FindByIdsAsync(tenant, [user.Id, Ids.New()], None));
    }

    [Fact]
    public async Task A_taken_identity_key_is_refused_by_the_store_itself()
    {
        fixture.SkipOnEmulator("enforce unique indexes");
        var first = NewUser(email: "same@example.com");
        await Store.InsertAsync(first, None);
        var taken = await Assert.ThrowsAsync<IdentityTakenException>(() => Store.InsertAsync(NewUser(email: "same@example.com"), None));
        Assert.Equal(IdentityKeys.Email("same@example.com"), taken.Key);

        var second = NewUser();
        await Store.InsertAsync(second, None);
        var version = second.Version;
        second.Username = first.Username;
        second.Version++;
        taken = await Assert.ThrowsAsync<IdentityTakenException>(() => Store.ReplaceAsync(second, version, None));
        Assert.Equal(IdentityKeys.Username(first.Username), taken.Key);

        // Another application may hold the same keys.
        await Store.InsertAsync(NewUser(username: first.Username, email: "same@example.com", where: new Tenant("1001", ApiFixture.NewApplicationId())), None);
    }

    [Fact]
    public async Task Replace_is_conditional_on_the_version()
    {
        var user = NewUser();
        await Store.InsertAsync(user, None);
        user.FirstName = "Changed";
        user.Version = 1;
        Assert.True(await Store.ReplaceAsync(user, 0, None));
        user.FirstName = "Lost";
        user.Version = 2;
        Assert.False(await Store.ReplaceAsync(user, 0, None));
        Assert.Equal("Changed", (await Store.FindByIdAsync(tenant, user.Id, None))!.FirstName);
    }

    [Fact]
    public async Task Released_keys_no_longer_find_the_user_and_listing_skips_archived()
    {
        var user = NewUser(email: "gone@example.com");
        await Store.InsertAsync(user, None);
        user.State = UserState.Archived;
        user.Version = 1;
        Assert.True(await Store.ReplaceAsync(user, 0, None));

        Assert.Empty(await Store.FindByKeysAsync(tenant, [IdentityKeys.Email("gone@example.com")], 10, None));
        Assert.Equal(0, (await Store.ListAsync(tenant, CustomerFilter.All, 0, 10, None)).Total);
        await Store.InsertAsync(NewUser(email: "gone@example.com"), None);
    }

    [Fact]
    public async Task List_sorts_newest_first_and_filters_by_keys_or_prefix()
    {
        var start = DateTime.UtcNow.AddMinutes(-10);
        var users = Enumerable.Range(0, 4).Select(i => NewUser(username: $"zz{i}_{Guid.NewGuid():N}"[..12], createdAt: start.AddSeconds(i))).ToList();
        users[1].FirstName = "Grace";
        foreach (var u in users)
        {
            await Store.InsertAsync(u, None);
        }

        var (page, total) = await Store.ListAsync(tenant, CustomerFilter.All, 1, 2, None);
        Assert.Equal(4, total);
        Assert.Equal([users[2].Id, users[1].Id], page.Select(u => u.Id));

        var (byPrefix, prefixTotal) = await Store.ListAsync(tenant, new CustomerFilter([], "gra"), 0, 10, None);
        Assert.Equal(users[1].Id, Assert.Single(byPrefix).Id);
        Assert.Equal(1, prefixTotal);

        var (byKey, _) = await Store.ListAsync(tenant, new CustomerFilter([IdentityKeys.Phone(users[3].PhoneNumbers[0].E164)], null), 0, 10, None);
        Assert.Equal(users[3].Id, Assert.Single(byKey).Id);
    }

    [Fact]
    public async Task Totals_are_kept_exact_through_inserts_and_state_changes()
    {
        var users = Enumerable.Range(0, 5).Select(_ => NewUser()).ToList();
        foreach (var u in users)
        {
            await Store.InsertAsync(u, None);
        }

        Assert.Equal(5, (await Store.ListAsync(tenant, CustomerFilter.All, 0, 2, None)).Total);
        await MoveAsync(users[0], UserState.Archived);
        await MoveAsync(users[1], UserState.Deleted);
        Assert.Equal(4, (await Store.ListAsync(tenant, CustomerFilter.All, 0, 2, None)).Total);
        await MoveAsync(users[0], UserState.Live);
        await MoveAsync(users[1], UserState.Erased);
        await MoveAsync(users[2], UserState.Archived);

        var page = await Store.ListAsync(tenant, CustomerFilter.All, 0, 10, None);
        Assert.Equal(3, page.Total);
        Assert.Equal(3, page.Items.Count);
        Assert.False(page.HasNext);
        Assert.False(page.TotalBounded);
        // An update that keeps the state changes no count.
        users[3].FirstName = "Renamed";
        await MoveAsync(users[3], UserState.Live);
        Assert.Equal(3, (await Store.ListAsync(tenant, CustomerFilter.All, 0, 10, None)).Total);
    }

    [Fact]
    public async Task Deep_pages_equal_plain_offsets_before_and_after_writes()
    {
        // More than two boundary steps of users, some with equal created_at, so pages seek from cached boundaries.
        var start = DateTime.UtcNow.AddDays(-1);
        var users = Enumerable.Range(0, ListingBoundaries.Step * 2 + 37)
            .Select(i => NewUser(createdAt: start.AddSeconds(i / 3))).ToList();
        await InsertAllAsync(users);

        var expected = users.OrderByDescending(u => u.CreatedAt).ThenByDescending(u => u.Id, StringComparer.Ordinal)
            .Select(u => u.Id).ToList();
        async Task AssertPagesAsync(List<string> order)
        {
            foreach (var skip in new[] { 0, 250, ListingBoundaries.Step, ListingBoundaries.Step + 5, ListingBoundaries.Step * 2 - 1, ListingBoundaries.Step * 2 + 30 })
            {
                var page = await Store.ListAsync(tenant, CustomerFilter.All, skip, 10, None);
                Assert.Equal(order.Skip(skip).Take(10), page.Items.Select(u => u.Id));
                Assert.Equal(order.Count, page.Total);
                Assert.Equal(skip + 10 < order.Count, page.HasNext);
            }
        }

        await AssertPagesAsync(expected);
        await AssertPagesAsync(expected); // from the cached boundaries

        // A newer user and an archived one shift every position: the boundaries must not be reused.
        var newest = NewUser(createdAt: DateTime.UtcNow);
        await Store.InsertAsync(newest, None);
        await MoveAsync(users[100], UserState.Archived);
        expected.Insert(0, newest.Id);
        expected.Remove(users[100].Id);
        await AssertPagesAsync(expected);
        Assert.Empty((await Store.ListAsync(tenant, CustomerFilter.All, expected.Count + 500, 10, None)).Items);
    }

    [Fact]
    public async Task A_broad_prefix_is_counted_up_to_the_limit_and_flagged()
    {
        var start = DateTime.UtcNow.AddDays(-2);
        var users = Enumerable.Range(0, CustomerFilter.BroadCountLimit + 20)
            .Select(i => NewUser(username: $"broad{i:D5}", createdAt: start.AddSeconds(i))).ToList();
        await InsertAllAsync(users);

        var page = await Store.ListAsync(tenant, new CustomerFilter([IdentityKeys.Username("broad")], "broad"), 0, 10, None);
        Assert.True(page.TotalBounded);
        Assert.True(page.Total >= CustomerFilter.BroadCountLimit);
        Assert.True(page.HasNext);
        // Still newest first over every match.
        Assert.Equal(users.AsEnumerable().Reverse().Take(10).Select(u => u.Id), page.Items.Select(u => u.Id));
        var deep = await Store.ListAsync(tenant, new CustomerFilter([], "broad"), users.Count - 5, 10, None);
        Assert.Equal(users.Take(5).Reverse().Select(u => u.Id), deep.Items.Select(u => u.Id));
        Assert.False(deep.HasNext);

        var narrow = await Store.ListAsync(tenant, new CustomerFilter([], "broad0001"), 0, 10, None);
        Assert.False(narrow.TotalBounded);
        Assert.Equal(10, narrow.Total);
    }

    /// <summary>Inserts 16 at a time: concurrent writes are how both stores are used, and faster here.</summary>
    private Task InsertAllAsync(IEnumerable<User> users) =>
        Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (user, ct) => await Store.InsertAsync(user, ct));

    private async Task MoveAsync(User user, UserState state)
    {
        user.State = state;
        user.Version++;
        Assert.True(await Store.ReplaceAsync(user, user.Version - 1, None));
    }

    [Fact]
    public async Task Deleted_users_are_due_once_their_window_ends()
    {
        // Due users are looked for across every application: an empty database of the test's own.
        await using var own = await ApiFixture.FreshStoreAsync(fixture);
        var store = own.Services.GetRequiredService<IUserStore>();
        var now = Build.Millis(DateTime.UtcNow);
        var due = NewUser();
        var dueElsewhere = NewUser(where: new Tenant("2002", ApiFixture.NewApplicationId()));
        var notYet = NewUser();
        foreach (var (user, deleteOn) in new[] { (due, now.AddMinutes(-1)), (dueElsewhere, now.AddMinutes(-2)), (notYet, now.AddDays(1)) })
        {
            await store.InsertAsync(user, None);
            user.State = UserState.Deleted;
            user.DeleteOn = deleteOn;
            user.Version = 1;
            Assert.True(await store.ReplaceAsync(user, 0, None));
        }

        await store.InsertAsync(NewUser(), None);

        Assert.Equal([dueElsewhere.Id, due.Id], (await store.FindDeletedDueAsync(now, 10, None)).Select(u => u.Id));
        Assert.Equal([dueElsewhere.Id], (await store.FindDeletedDueAsync(now, 1, None)).Select(u => u.Id));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteUserStoreContractTests(SqliteStoreFixture fixture) : UserStoreContractTests(fixture), IClassFixture<SqliteStoreFixture>;

[Collection(MongoCollection.Name)]
public sealed class MongoUserStoreContractTests(MongoStoreFixture fixture) : UserStoreContractTests(fixture), IClassFixture<MongoStoreFixture>;

/// <summary>The MongoDB adapter reads the taken key from the server's duplicate key error (no second query).</summary>
public sealed class MongoDuplicateKeyTests
{
    [Fact]
    public void The_taken_identity_key_is_read_from_the_duplicate_key_error()
    {
        var error = new MongoDB.Driver.MongoException(
            "E11000 duplicate key error collection: userauth.users index: identity_keys_unique_v2 dup key: " +
            "{ application_id: \"65a000000000000000000001\", company_id: \"1001\", identity_keys: \"e:ada\\\"q@example.com\" }");
        Assert.Equal("e:ada\"q@example.com", UserAuth.Api.Storage.Mongo.MongoUserStore.TakenKey(error));
        Assert.Null(UserAuth.Api.Storage.Mongo.MongoUserStore.TakenKey(new MongoDB.Driver.MongoException("E11000 duplicate key error")));
    }
}
