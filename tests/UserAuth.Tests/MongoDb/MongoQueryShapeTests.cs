using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Storage;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.MongoDb;

/// <summary>
/// The shape of the identity-key queries as sent on the wire (any server, the emulator too): every <c>$in</c> on
/// <c>identity_keys</c> carries <c>$type: "string"</c>, the partial filter of <c>identity_keys_unique_v2</c>, without
/// which the planner cannot use that index; every <c>$or</c> branch carries the tenant. Whether the planner then picks
/// the index is the real-server explain test's job.
/// </summary>
[Collection(MongoCollection.Name)]
public sealed class MongoQueryShapeTests(MongoApiFixture fixture)
{
    [Fact]
    public async Task Identity_key_lookups_carry_the_partial_index_filter_and_or_branches_the_tenant()
    {
        fixture.RequireStore();
        var commands = new ConcurrentQueue<BsonDocument>();
        var options = new StorageOptions { Provider = StorageProvider.MongoDb };
        options.MongoDb.ConnectionString = fixture.ConnectionString!;
        options.MongoDb.Database = "userauth_shape_" + Guid.NewGuid().ToString("N")[..12];
        var mongo = new MongoDatabaseProvider(Microsoft.Extensions.Options.Options.Create(options), NullLoggerFactory.Instance,
            settings => settings.ClusterConfigurator = cluster => cluster.Subscribe<CommandStartedEvent>(e =>
            {
                if (e.CommandName is "find" or "aggregate" or "findAndModify" && e.Command.GetValue(e.CommandName, "") == "users")
                {
                    commands.Enqueue(e.Command.DeepClone().AsBsonDocument);
                }
            }));
        try
        {
            var store = new MongoUserStore(mongo, new ListingBoundaries());
            await store.InitializeAsync(TestContext.Current.CancellationToken);
            var tenant = new Tenant("1001", ApiFixture.NewApplicationId());
            var user = Build.StoredUser(tenant, Build.Username("shape"), "shape@example.com");
            await store.InsertAsync(user, TestContext.Current.CancellationToken);
            var key = IdentityKeys.Email("shape@example.com");

            Assert.Single(await store.FindByKeysAsync(tenant, [key], 10, TestContext.Current.CancellationToken));
            Assert.Single((await store.ListAsync(tenant, new CustomerFilter([key], null), 0, 10, TestContext.Current.CancellationToken)).Items);
            Assert.Single((await store.ListAsync(tenant, new CustomerFilter([key], "ada"), 0, 10, TestContext.Current.CancellationToken)).Items);

            var keyClauses = new List<BsonDocument>();
            var orBranches = new List<BsonDocument>();
            foreach (var command in commands)
            {
                Walk(command, keyClauses, orBranches);
            }

            Assert.True(keyClauses.Count >= 3, $"expected the identity-key queries, found {keyClauses.Count}");
            Assert.All(keyClauses, clause => Assert.Equal("string", clause.GetValue("$type", BsonNull.Value).ToString()));
            Assert.NotEmpty(orBranches);
            Assert.All(orBranches, branch => Assert.Equal(tenant.ApplicationId, FindValue(branch, "application_id")));
        }
        finally
        {
            await mongo.Client.DropDatabaseAsync(options.MongoDb.Database);
            mongo.Client.Dispose();
        }
    }

    private static void Walk(BsonValue value, List<BsonDocument> keyClauses, List<BsonDocument> orBranches)
    {
        if (value is BsonDocument document)
        {
            foreach (var element in document)
            {
                if (element.Name == "identity_keys" && element.Value is BsonDocument clause && clause.Contains("$in"))
                {
                    keyClauses.Add(clause);
                }

                if (element.Name == "$or" && element.Value is BsonArray branches)
                {
                    orBranches.AddRange(branches.OfType<BsonDocument>());
                }

                Walk(element.Value, keyClauses, orBranches);
            }
        }
        else if (value is BsonArray array)
        {
            foreach (var item in array)
            {
                Walk(item, keyClauses, orBranches);
            }
        }
    }

    /// <summary>The value of a field anywhere in a filter (directly or under <c>$and</c>), or null.</summary>
    private static string? FindValue(BsonDocument filter, string field)
    {
        if (filter.TryGetValue(field, out var value))
        {
            return value.ToString();
        }

        return filter.GetValue("$and", new BsonArray()).AsBsonArray.OfType<BsonDocument>().Select(d => FindValue(d, field))
            .FirstOrDefault(v => v is not null);
    }
}
