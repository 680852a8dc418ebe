using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// Machine clients in <c>api_clients</c>, unsharded (a handful of documents, read by client id on each token request).
/// </summary>
internal sealed class MongoApiClientStore : IApiClientStore, IStoreInitializer
{
    public static readonly MongoCollectionLayout Layout = new(
        "api_clients",
        null,
        "Unsharded: a few documents, not per tenant (a client may serve several applications); it lives on the primary shard.",
        [
            new("client_id_unique", new BsonDocument("client_id", 1), Unique: true,
                NoShardKeyPrefixBecause: "the collection is unsharded"),
            new("company", new BsonDocument { { "company_id", 1 }, { "client_id", 1 } },
                NoShardKeyPrefixBecause: "the collection is unsharded"),
        ],
        []);

    private static readonly UpdateDefinitionBuilder<ApiClient> Update = Builders<ApiClient>.Update;
    private static readonly FilterDefinitionBuilder<ApiClient> Filter = Builders<ApiClient>.Filter;
    private readonly MongoDatabaseProvider mongo;
    private readonly IMongoCollection<ApiClient> collection;

    public MongoApiClientStore(MongoDatabaseProvider mongo)
    {
        MongoClassMaps.Register();
        this.mongo = mongo;
        collection = mongo.Database.GetCollection<ApiClient>(Layout.Collection);
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => MongoIndexes.EnsureAsync(mongo, Layout, cancellationToken);

    public async Task<ApiClient?> FindByClientIdAsync(string clientId, CancellationToken cancellationToken) =>
        await collection.Find(c => c.ClientId == clientId).FirstOrDefaultAsync(cancellationToken);

    /// <summary>
    /// An update, not a replacement: <c>$set</c> for the fields, <c>$setOnInsert</c> for <c>_id</c> and <c>created_at</c>,
    /// so instances starting together on an empty database never try to change an existing <c>_id</c> (code 66). Two
    /// racing inserts of one client id meet the unique index; the server retries such an upsert as an update (its filter
    /// is an equality on the whole unique key), and so do we once, for servers that do not.
    /// </summary>
    public async Task UpsertAsync(ApiClient client, CancellationToken cancellationToken)
    {
        var update = Update
            .SetOnInsert(c => c.Id, client.Id)
            .SetOnInsert(c => c.CreatedAt, client.CreatedAt)
            .Set(c => c.SecretHash, client.SecretHash)
            .Set(c => c.PreviousSecretHash, client.PreviousSecretHash)
            .Set(c => c.PreviousSecretValidUntil, client.PreviousSecretValidUntil)
            .Set(c => c.CompanyId, client.CompanyId)
            .Set(c => c.ApplicationIds, client.ApplicationIds)
            .Set(c => c.Scopes, client.Scopes)
            .Set(c => c.Disabled, client.Disabled)
            .Set(c => c.Generation, client.Generation)
            .Set(c => c.Version, client.Version)
            .Set(c => c.RequestsPerSecond, client.RequestsPerSecond)
            .Set(c => c.Description, client.Description)
            .Set(c => c.UpdatedAt, client.UpdatedAt);
        var options = new UpdateOptions { IsUpsert = true };
        try
        {
            await collection.UpdateOneAsync(c => c.ClientId == client.ClientId, update, options, cancellationToken);
        }
        catch (MongoException e) when (MongoDatabaseProvider.IsDuplicateKey(e))
        {
            await collection.UpdateOneAsync(c => c.ClientId == client.ClientId, update, options, cancellationToken);
        }
    }

    /// <summary>
    /// An upsert that only inserts (<c>$setOnInsert</c> of the whole document): created when it inserted, not when a
    /// client with that id was there. Two racing creates meet the unique index: the loser's duplicate key is "taken".
    /// </summary>
    public async Task<bool> CreateAsync(ApiClient client, CancellationToken cancellationToken)
    {
        var document = client.ToBsonDocument();
        document.Remove("client_id");
        try
        {
            var result = await collection.UpdateOneAsync(c => c.ClientId == client.ClientId,
                new BsonDocument("$setOnInsert", document), new UpdateOptions { IsUpsert = true }, cancellationToken);
            return result.UpsertedId is not null;
        }
        catch (MongoException e) when (MongoDatabaseProvider.IsDuplicateKey(e))
        {
            return false;
        }
    }

    /// <summary>
    /// A replacement filtered on client id and version; a document written before <c>version</c> existed has none and
    /// counts as version 0.
    /// </summary>
    public async Task<bool> ReplaceAsync(ApiClient client, long expectedVersion, CancellationToken cancellationToken)
    {
        var version = expectedVersion == 0
            ? Filter.Or(Filter.Eq(c => c.Version, 0), Filter.Exists(c => c.Version, false))
            : Filter.Eq(c => c.Version, expectedVersion);
        var result = await collection.ReplaceOneAsync(Filter.And(Filter.Eq(c => c.ClientId, client.ClientId), version), client,
            cancellationToken: cancellationToken);
        return result.MatchedCount == 1;
    }

    public async Task<(IReadOnlyList<ApiClient> Items, long Total)> ListByCompanyAsync(string companyId, int skip, int limit,
        CancellationToken cancellationToken)
    {
        var filter = Filter.Eq(c => c.CompanyId, companyId);
        var items = await collection.Find(filter).SortBy(c => c.ClientId).Skip(skip).Limit(limit).ToListAsync(cancellationToken);
        var total = await collection.CountDocumentsAsync(filter, cancellationToken: cancellationToken);
        return (items, total);
    }
}
