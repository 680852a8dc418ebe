using MongoDB.Driver;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Storage.Mongo;

internal sealed class MongoApiClientStore : IApiClientStore, IStoreInitializer
{
    private readonly IMongoCollection<ApiClient> collection;

    public MongoApiClientStore(MongoDatabaseProvider mongo)
    {
        MongoClassMaps.Register();
        collection = mongo.Database.GetCollection<ApiClient>("api_clients");
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await collection.Indexes.CreateOneAsync(new CreateIndexModel<ApiClient>(
            Builders<ApiClient>.IndexKeys.Ascending(c => c.ClientId),
            new CreateIndexOptions { Name = "client_id_unique", Unique = true }), cancellationToken: cancellationToken);
    }

    public async Task<ApiClient?> FindByClientIdAsync(string clientId, CancellationToken cancellationToken) =>
        await collection.Find(c => c.ClientId == clientId).FirstOrDefaultAsync(cancellationToken);

    public async Task UpsertAsync(ApiClient client, CancellationToken cancellationToken) =>
        await collection.ReplaceOneAsync(c => c.ClientId == client.ClientId, client,
            new ReplaceOptions { IsUpsert = true }, cancellationToken);
}
