using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.MongoDb;

/// <summary>Start-up of the MongoDB adapter on a database of its own: index versions, index conflicts, concurrent instances.</summary>
[Collection(MongoCollection.Name)]
public sealed class MongoStartupTests(MongoApiFixture fixture) : IAsyncLifetime
{
    private readonly string database = "userauth_startup_" + Guid.NewGuid().ToString("N")[..12];

    private IMongoDatabase Database => new MongoClient(fixture.ConnectionString).GetDatabase(database);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (fixture.ConnectionString is not null)
        {
            await new MongoClient(fixture.ConnectionString).DropDatabaseAsync(database);
        }
    }

    private ApiFactory Host()
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Provider"] = "MongoDb";
        settings["Storage:MongoDb:ConnectionString"] = fixture.ConnectionString;
        settings["Storage:MongoDb:Database"] = database;
        return new ApiFactory(settings);
    }

    private static async Task<List<string>> IndexNamesAsync(IMongoCollection<BsonDocument> collection)
    {
        using var cursor = await collection.Indexes.ListAsync();
        return (await cursor.ToListAsync()).Select(i => i["name"].AsString).ToList();
    }

    private static string AllMessages(Exception e)
    {
        var all = new List<string>();
        foreach (var root in e is AggregateException a ? a.Flatten().InnerExceptions.Prepend(e) : [e])
        {
            for (var x = root; x is not null; x = x.InnerException)
            {
                all.Add(x.Message);
            }
        }

        return string.Join(" | ", all);
    }

    [Fact]
    public async Task An_index_with_another_definition_under_a_current_name_stops_start_up_naming_it()
    {
        fixture.RequireStore();
        await Database.GetCollection<BsonDocument>("users").Indexes.CreateOneAsync(
            new CreateIndexModel<BsonDocument>(new BsonDocument("application_id", 1), new CreateIndexOptions { Name = "listing_v2" }),
            cancellationToken: TestContext.Current.CancellationToken);

        using var host = Host();
        var e = Assert.ThrowsAny<Exception>(() => host.Server);

        var message = AllMessages(e);
        Assert.Contains("'users'", message, StringComparison.Ordinal);
        Assert.Contains("'listing_v2'", message, StringComparison.Ordinal);
        Assert.Contains("dropIndex", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_up_creates_the_versioned_indexes_and_drops_the_retired_ones()
    {
        fixture.RequireStore();
        var users = Database.GetCollection<BsonDocument>("users");
        var sessions = Database.GetCollection<BsonDocument>("user_sessions");
        // What the previous version created (on empty collections: the emulator checks a unique index over whole keys).
        await users.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            new BsonDocument { { "company_id", 1 }, { "application_id", 1 }, { "state", 1 }, { "created_at", -1 }, { "_id", -1 } },
            new CreateIndexOptions { Name = "listing" }), cancellationToken: TestContext.Current.CancellationToken);
        await sessions.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("sid_hash", 1),
            new CreateIndexOptions { Name = "sid_hash_unique", Unique = true }), cancellationToken: TestContext.Current.CancellationToken);

        using (var host = Host())
        {
            _ = host.Server;
        }

        foreach (var layout in MongoLayouts.All)
        {
            var names = await IndexNamesAsync(Database.GetCollection<BsonDocument>(layout.Collection));
            Assert.All(layout.Indexes, index => Assert.Contains(index.Name, names));
            Assert.Empty(names.Intersect(layout.Retired));
        }

        // A second start on the same database changes nothing and does not fail.
        using var again = Host();
        _ = again.Server;
        Assert.Equal(MongoUserStore.Layout.Indexes.Count + 1, (await IndexNamesAsync(users)).Count);
    }

    [Fact]
    public async Task Instances_starting_together_on_an_empty_database_all_start_and_share_one_document_per_client()
    {
        fixture.RequireStore();
        var hosts = Enumerable.Range(0, 3).Select(_ => Host()).ToList();
        try
        {
            await Task.WhenAll(hosts.Select(h => Task.Run(() => h.Server)));

            var clients = Database.GetCollection<BsonDocument>("api_clients");
            var all = await clients.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(TestContext.Current.CancellationToken);
            var configured = ApiFactory.BaseSettings().Keys
                .Count(k => k.StartsWith("Auth:BootstrapClients:", StringComparison.Ordinal) && k.EndsWith(":ClientId", StringComparison.Ordinal));
            Assert.True(configured >= 4);
            Assert.Equal(configured, all.Count);
            Assert.Equal(configured, all.Select(c => c["client_id"].AsString).Distinct().Count());
            Assert.All(all, c => Assert.True(c["_id"].IsObjectId));
            foreach (var host in hosts)
            {
                Assert.False(string.IsNullOrEmpty(await ApiFixture.TokenAsync(host.CreateClient(), TestClients.Main)));
            }

            // A restart keeps each client's _id and created_at (only $set fields change).
            var before = all.ToDictionary(c => c["client_id"].AsString);
            using (var restarted = Host())
            {
                _ = restarted.Server;
            }

            foreach (var client in await clients.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(TestContext.Current.CancellationToken))
            {
                var earlier = before[client["client_id"].AsString];
                Assert.Equal(earlier["_id"], client["_id"]);
                Assert.Equal(earlier["created_at"], client["created_at"]);
            }
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }
}
