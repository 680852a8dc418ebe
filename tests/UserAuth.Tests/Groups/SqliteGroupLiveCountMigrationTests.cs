using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Groups;
using UserAuth.Api.Storage;
using UserAuth.Api.Storage.Sqlite;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Groups;

/// <summary>
/// A database made before <c>user_group_live_counts</c> existed (members, no counts, no triggers) gets its counts at
/// start-up, once: the store's initialisation counts the live members and installs the triggers, and running it
/// again changes nothing.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class SqliteGroupLiveCountMigrationTests(SqliteStoreFixture fixture) : IClassFixture<SqliteStoreFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_database_without_the_counts_is_counted_at_start_up_once()
    {
        fixture.RequireStore();
        var tenant = new Tenant("1001", ApiFixture.NewApplicationId());
        var groups = fixture.Services.GetRequiredService<IUserGroupStore>();
        var users = fixture.Services.GetRequiredService<IUserStore>();
        var group = new UserGroup
        {
            Id = Ids.New(), CompanyId = tenant.CompanyId, ApplicationId = tenant.ApplicationId, Name = "g", NameLc = "g",
            Type = GroupTypes.Bulk, Status = GroupStatuses.Pending, CreatedAt = DateTime.UtcNow, ModifiedAt = DateTime.UtcNow,
        };
        await groups.InsertAsync(group, None);
        var ids = new List<string>();
        foreach (var state in new[] { UserState.Live, UserState.Live, UserState.Archived })
        {
            var user = Build.StoredUser(tenant, state: state);
            await users.InsertAsync(user, None);
            ids.Add(user.Id);
        }

        await groups.AddMembersAsync(tenant, group.Uid, ids, None);
        var database = fixture.Services.GetRequiredService<SqliteDatabase>();
        await using (var connection = await database.OpenAsync(None))
        {
            await SqliteDatabase.ExecuteAsync(connection, """
                DROP TRIGGER user_group_live_member_insert; DROP TRIGGER user_group_live_member_delete;
                DROP TRIGGER user_group_live_user_state; DROP TRIGGER user_group_live_user_insert;
                DROP TRIGGER user_group_live_user_delete; DROP TABLE user_group_live_counts;
                """, None);
        }

        var store = fixture.Services.GetServices<IStoreInitializer>().OfType<SqliteUserGroupStore>().Single();
        await store.InitializeAsync(None);
        await store.InitializeAsync(None);
        Assert.Equal(2, (await groups.ListLiveMembersAsync(tenant, group.Uid, 0, 10, None)).Total);

        // The triggers are back: a member removed after the migration is counted out.
        await groups.RemoveMembersAsync(tenant, group.Uid, [ids[0]], None);
        Assert.Equal(1, (await groups.ListLiveMembersAsync(tenant, group.Uid, 0, 10, None)).Total);
        Assert.Empty(await StoreChecker.CheckSqliteAsync(database.FilePath));
    }
}
