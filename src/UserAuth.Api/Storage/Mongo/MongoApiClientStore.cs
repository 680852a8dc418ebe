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
        ],
        []);

    private static readonly UpdateDefinitionBuilder<ApiClient> Update = Builders<ApiClient>.Update;
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
            .Set(c => c.CompanyId, client.CompanyId)
            .Set(c => c.ApplicationIds, client.ApplicationIds)
            .Set(c => c.Scopes, client.Scopes)
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
}
