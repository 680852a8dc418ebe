using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// One index of a collection. Names are versioned: a changed definition gets a new name (<c>_v2</c>, <c>_v3</c>...)
/// and the old name goes to <see cref="MongoCollectionLayout.Retired"/>, so a start-up never meets an index with its
/// name and another definition. <paramref name="NoShardKeyPrefixBecause"/> explains an index that does not start with
/// the collection's shard key (a TTL index must be single-field; a cross-tenant scan has no tenant to start with).
/// </summary>
internal sealed record MongoIndex(
    string Name,
    BsonDocument Keys,
    bool Unique = false,
    BsonDocument? PartialFilter = null,
    TimeSpan? ExpireAfter = null,
    string? NoShardKeyPrefixBecause = null,
    bool Sparse = false);

/// <summary>
/// A collection's storage layout: its shard key (null: the collection stays unsharded), its indexes and the names of
/// indexes earlier versions created that start-up drops. docs/MONGODB.md documents every layout; a test keeps both in step.
/// </summary>
internal sealed record MongoCollectionLayout(
    string Collection,
    BsonDocument? ShardKey,
    string ShardKeyReason,
    IReadOnlyList<MongoIndex> Indexes,
    IReadOnlyList<string> Retired);

/// <summary>Creates a layout's indexes at start-up: checks, creates, drops retired ones, all within a time-out.</summary>
internal static class MongoIndexes
{
    /// <summary>IndexOptionsConflict, IndexKeySpecsConflict, IndexAlreadyExists (an index by that name, another definition).</summary>
    private static readonly int[] ConflictCodes = [85, 86, 68];
    private const int IndexNotFound = 27;

    public static async Task EnsureAsync(MongoDatabaseProvider mongo, MongoCollectionLayout layout, CancellationToken cancellationToken)
    {
        var collection = mongo.Database.GetCollection<BsonDocument>(layout.Collection);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(mongo.IndexTimeout);
        try
        {
            var existing = await ListAsync(collection, timeout.Token);
            foreach (var index in layout.Indexes)
            {
                if (existing.TryGetValue(index.Name, out var found) && Difference(index, found) is { } difference)
                {
                    throw Conflict(layout, index.Name, difference);
                }
            }

            var options = new CreateManyIndexesOptions();
            if (mongo.Client.Cluster.Description.Type is ClusterType.ReplicaSet or ClusterType.Sharded)
            {
                // The default quorum (every voting member) waits forever while one is down (SERVER-65670).
                options.CommitQuorum = CreateIndexCommitQuorum.Majority;
            }

            await collection.Indexes.CreateManyAsync(layout.Indexes.Select(Model), options, timeout.Token);
            foreach (var name in layout.Retired.Where(existing.ContainsKey))
            {
                try
                {
                    await collection.Indexes.DropOneAsync(name, timeout.Token);
                }
                catch (MongoCommandException e) when (e.Code == IndexNotFound)
                {
                    // Another instance dropped it first.
                }
            }
        }
        catch (MongoCommandException e) when (ConflictCodes.Contains(e.Code))
        {
            throw Conflict(layout, null, e.Message);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StoreUnavailableException(
                $"Creating the MongoDB indexes of '{layout.Collection}' ({string.Join(", ", layout.Indexes.Select(i => i.Name))}) " +
                $"did not finish within {mongo.IndexTimeout.TotalSeconds:0} s (Storage:MongoDb:IndexTimeoutSeconds). An index build " +
                "started on the server goes on without us. On a large collection build the indexes ahead of the deployment " +
                "(docs/MONGODB.md, 'Building indexes ahead'); on a replica set check that a majority of the data-bearing voting " +
                "members is up; or raise the time-out.");
        }
    }

    public static CreateIndexModel<BsonDocument> Model(MongoIndex index)
    {
        var options = new CreateIndexOptions<BsonDocument> { Name = index.Name };
        if (index.Unique)
        {
            options.Unique = true;
        }

        if (index.Sparse)
        {
            options.Sparse = true;
        }

        if (index.PartialFilter is not null)
        {
            options.PartialFilterExpression = index.PartialFilter;
        }

        if (index.ExpireAfter is { } expireAfter)
        {
            options.ExpireAfter = expireAfter;
        }

        return new CreateIndexModel<BsonDocument>(index.Keys, options);
    }

    private static async Task<Dictionary<string, BsonDocument>> ListAsync(IMongoCollection<BsonDocument> collection,
        CancellationToken cancellationToken)
    {
        using var cursor = await collection.Indexes.ListAsync(cancellationToken);
        var all = await cursor.ToListAsync(cancellationToken);
        return all.Where(i => i.Contains("name")).ToDictionary(i => i["name"].AsString, StringComparer.Ordinal);
    }

    /// <summary>What differs between the wanted index and the one the server has under its name, or null.</summary>
    private static string? Difference(MongoIndex wanted, BsonDocument found)
    {
        var keys = found.GetValue("key", new BsonDocument()).AsBsonDocument;
        if (!SameKeys(wanted.Keys, keys))
        {
            return $"keys {keys} instead of {wanted.Keys}";
        }

        var unique = found.GetValue("unique", false).ToBoolean();
        if (unique != wanted.Unique)
        {
            return $"unique: {unique.ToString().ToLowerInvariant()} instead of {wanted.Unique.ToString().ToLowerInvariant()}";
        }

        var sparse = found.GetValue("sparse", false).ToBoolean();
        if (sparse != wanted.Sparse)
        {
            return $"sparse: {sparse.ToString().ToLowerInvariant()} instead of {wanted.Sparse.ToString().ToLowerInvariant()}";
        }

        var ttl = found.TryGetValue("expireAfterSeconds", out var seconds) ? seconds.ToDouble() : (double?)null;
        if (ttl != wanted.ExpireAfter?.TotalSeconds)
        {
            return $"expireAfterSeconds {ttl?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} instead of " +
                   $"{wanted.ExpireAfter?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}";
        }

        // A server that lists no partial filter may still have one (the CI emulator drops it from listIndexes); a real
        // server answers createIndexes on a different filter with IndexOptionsConflict, reported the same way.
        if (found.TryGetValue("partialFilterExpression", out var filter) && wanted.PartialFilter is { } wantedFilter &&
            !filter.Equals(wantedFilter))
        {
            return $"partialFilterExpression {filter} instead of {wantedFilter}";
        }

        return null;
    }

    private static bool SameKeys(BsonDocument wanted, BsonDocument found) =>
        wanted.ElementCount == found.ElementCount &&
        wanted.Elements.Zip(found.Elements).All(pair => pair.First.Name == pair.Second.Name && Direction(pair.First.Value) == Direction(pair.Second.Value));

    private static string Direction(BsonValue value) =>
        value.IsNumeric ? (value.ToDouble() < 0 ? "-1" : "1") : value.ToString()!;

    private static StoreUnavailableException Conflict(MongoCollectionLayout layout, string? name, string difference) =>
        new($"The MongoDB collection '{layout.Collection}' has an index{(name is null ? "" : $" named '{name}'")} with another " +
            $"definition ({difference}). Index definitions are versioned: a changed definition gets a new name, so this index " +
            "was made by hand or by another version of the service. Drop it (db." + layout.Collection + ".dropIndex(\"" +
            (name ?? "<name>") + "\")) and restart; docs/MONGODB.md lists every index.");
}

/// <summary>Every collection of the MongoDB adapter; a new store adds its layout here (docs/MONGODB.md, "Rules").</summary>
internal static class MongoLayouts
{
    public static IReadOnlyList<MongoCollectionLayout> All =>
    [
        MongoUserStore.Layout, MongoUserCounts.Layout, MongoSessionStore.Layout, MongoPlatformConfigStore.Layout,
        MongoApiClientStore.Layout, MongoUserGroupStore.GroupsLayout, MongoUserGroupStore.CountersLayout,
        MongoUserGroupStore.MembersLayout, MongoJobQueueStore.Layout, MongoErrorReportStore.Layout,
        MongoAttributeStore.DefinitionsLayout, MongoAttributeStore.ValuesLayout, MongoBulkJobStore.Layout,
        MongoIdempotencyStore.Layout, MongoAuditStore.Layout,
    ];
}
