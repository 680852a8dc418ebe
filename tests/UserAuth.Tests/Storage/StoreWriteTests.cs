using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Storage;

/// <summary>The SQLite adapters' one writer: writes queued together commit together, each atomic on its own.</summary>
[Collection(SqliteCollection.Name)]
public sealed class SqliteWriterTests(SqliteApiFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Queued_writes_commit_as_one_group_and_a_failing_write_is_rolled_back_alone()
    {
        fixture.RequireStore();
        var database = fixture.Services.GetRequiredService<SqliteDatabase>();
        var table = "writer_probe_" + Guid.NewGuid().ToString("N")[..8];
        await database.WriteCommandAsync($"CREATE TABLE {table} (k TEXT PRIMARY KEY);", _ => { }, None);
        await database.WriteCommandAsync($"INSERT INTO {table} VALUES ('taken');", _ => { }, None);

        // Hold the writer so the next writes queue up behind it.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = database.WriteAsync(async (_, _, _) => await release.Task, None);
        var (commitsBefore, writesBefore) = database.WriterStatistics;

        Task<int> Insert(params string[] keys) => database.WriteAsync(async (connection, transaction, ct) =>
        {
            foreach (var key in keys)
            {
                await using var command = SqliteDatabase.Command(connection, transaction, $"INSERT INTO {table} VALUES ($k);");
                command.Parameters.AddWithValue("$k", key);
                await command.ExecuteNonQueryAsync(ct);
            }

            return keys.Length;
        }, None);

        var writes = Enumerable.Range(0, 50).Select(i => Insert($"k{i}")).ToList();
        var failing = Insert("half-done", "taken");
        writes.AddRange(Enumerable.Range(50, 50).Select(i => Insert($"k{i}")));
        release.SetResult();
        await holder;

        Assert.All(await Task.WhenAll(writes), n => Assert.Equal(1, n));
        var error = await Assert.ThrowsAsync<SqliteException>(() => failing);
        Assert.True(SqliteDatabase.IsUniqueViolation(error));
        var (commitsAfter, writesAfter) = database.WriterStatistics;
        Assert.Equal(101, writesAfter - writesBefore); // the holder and the 100 inserts
        Assert.True(commitsAfter - commitsBefore <= 2, $"{commitsAfter - commitsBefore} commits for 101 queued writes");

        await using var connection = await database.OpenAsync(None);
        await using var count = SqliteDatabase.Command(connection, null, $"SELECT COUNT(*), SUM(k = 'half-done') FROM {table};");
        await using var reader = await count.ExecuteReaderAsync(None);
        Assert.True(await reader.ReadAsync(None));
        Assert.Equal(101, reader.GetInt64(0)); // 'taken' and the 100 keys
        Assert.Equal(0, reader.GetInt64(1)); // the failing write's first insert was rolled back with it
    }

    [Fact]
    public async Task The_writer_leaves_checkpoints_to_the_checkpointer_which_copies_the_wal_after_commits()
    {
        fixture.RequireStore();
        var database = fixture.Services.GetRequiredService<SqliteDatabase>();
        var table = "checkpoint_probe_" + Guid.NewGuid().ToString("N")[..8];
        await database.WriteCommandAsync($"CREATE TABLE {table} (k TEXT PRIMARY KEY);", _ => { }, None);

        // The writer's connection does not checkpoint inside its commits.
        var autocheckpoint = await database.WriteAsync(async (connection, transaction, ct) =>
        {
            await using var pragma = SqliteDatabase.Command(connection, transaction, "PRAGMA wal_autocheckpoint;");
            return (long)(await pragma.ExecuteScalarAsync(ct))!;
        }, None);
        Assert.Equal(0, autocheckpoint);

        // After a commit, the checkpointer copies the WAL into the database file (within a few intervals).
        var before = database.Checkpoints;
        await database.WriteCommandAsync($"INSERT INTO {table} VALUES ('a');", _ => { }, None);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (database.Checkpoints == before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, None);
        }

        Assert.True(database.Checkpoints > before, "no checkpoint within 10 s of a commit");
    }

    [Fact]
    public async Task Concurrent_creates_all_land_and_are_counted_exactly()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var basePath = Http.App(app) + "/customers";
        var creates = Enumerable.Range(0, 64).Select(async _ =>
        {
            using var response = await http.PostAsJsonAsync(basePath, Build.User());
            return response.IsSuccessStatusCode;
        });
        var ok = (await Task.WhenAll(creates)).Count(x => x);

        using var list = await http.GetAsync($"{basePath}/list?page_size=1");
        var page = (await list.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("page");
        Assert.Equal(ok, page.GetProperty("item_total").GetInt64());
        Assert.Equal(64, ok);
    }
}

/// <summary>The MongoDB adapter's per-application counter converges after it drifted (no transactions there).</summary>
[Collection(MongoCollection.Name)]
public sealed class MongoUserCountTests(MongoStoreFixture fixture) : IClassFixture<MongoStoreFixture>
{
    [Fact]
    public async Task A_drifted_counter_is_recounted_once_quiet()
    {
        fixture.RequireStore();
        var store = fixture.Services.GetRequiredService<IUserStore>();
        var tenant = new Tenant("1001", ApiFixture.NewApplicationId());
        for (var i = 0; i < 3; i++)
        {
            var user = Build.StoredUser(tenant, Build.Username("count"));
            await store.InsertAsync(user, CancellationToken.None);
        }

        Assert.Equal(3, (await store.ListAsync(tenant, CustomerFilter.All, 0, 10, CancellationToken.None)).Total);

        // As if a process died between a user write and its count.
        var counters = new MongoClient(fixture.ConnectionString).GetDatabase(fixture.Database).GetCollection<BsonDocument>("user_counts");
        await counters.UpdateOneAsync(new BsonDocument { { "application_id", tenant.ApplicationId }, { "company_id", tenant.CompanyId } },
            new BsonDocument("$set", new BsonDocument { { "live", 7 }, { "updated_at", DateTime.UtcNow.AddMinutes(-5) } }));
        Assert.Equal(7, (await store.ListAsync(tenant, CustomerFilter.All, 0, 10, CancellationToken.None)).Total);

        var adapter = fixture.Services.GetRequiredService<MongoUserStore>();
        // The class's database holds this one application; no reconciler runs but this call.
        Assert.Equal(1, await adapter.ReconcileCountsAsync(TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(3, (await store.ListAsync(tenant, CustomerFilter.All, 0, 10, CancellationToken.None)).Total);
    }
}
