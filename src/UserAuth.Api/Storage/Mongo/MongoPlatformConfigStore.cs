using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.PlatformConfig;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// One document per tenant in <c>platform_configs</c>. The unique index on (application, company) and the
/// <c>_id</c> derived from the tenant both stop a second first save; the <c>_id</c> alone also holds on servers that do
/// not enforce secondary unique indexes (the CI wire emulator). Updates are conditional on <c>__v</c>.
/// </summary>
internal sealed class MongoPlatformConfigStore : IPlatformConfigStore, IStoreInitializer
{
    public static readonly MongoCollectionLayout Layout = new(
        "platform_configs",
        new BsonDocument { { "application_id", 1 }, { "company_id", 1 } },
        "One small document per application; it may as well stay unsharded. If sharded, by tenant: nothing to split further.",
        [
            new("tenant_unique_v2", new BsonDocument { { "application_id", 1 }, { "company_id", 1 } }, Unique: true),
        ],
        ["tenant_unique"]);

    private static readonly FilterDefinitionBuilder<PlatformConfigDocument> Filter = Builders<PlatformConfigDocument>.Filter;
    private readonly MongoDatabaseProvider mongo;
    private readonly IMongoCollection<PlatformConfigDocument> collection;

    public MongoPlatformConfigStore(MongoDatabaseProvider mongo)
    {
        MongoClassMaps.Register();
        this.mongo = mongo;
        collection = mongo.Database.GetCollection<PlatformConfigDocument>(Layout.Collection);
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => MongoIndexes.EnsureAsync(mongo, Layout, cancellationToken);

    public async Task<PlatformConfigDocument?> FindAsync(Tenant tenant, CancellationToken cancellationToken) =>
        await collection.Find(TenantFilter(tenant)).FirstOrDefaultAsync(cancellationToken);

    public async Task<StoredLoginSettings?> FindLoginSettingsAsync(Tenant tenant, CancellationToken cancellationToken) =>
        await collection.Find(TenantFilter(tenant))
            .Project(c => new StoredLoginSettings(c.SessionConfig, c.DeleteAccountDay))
            .FirstOrDefaultAsync(cancellationToken);

    public async Task<bool> InsertAsync(PlatformConfigDocument config, CancellationToken cancellationToken)
    {
        try
        {
            await collection.InsertOneAsync(config, cancellationToken: cancellationToken);
            return true;
        }
        catch (MongoException e) when (MongoDatabaseProvider.IsDuplicateKey(e))
        {
            return false;
        }
    }

    public async Task<bool> ReplaceAsync(PlatformConfigDocument config, int expectedVersion, CancellationToken cancellationToken)
    {
        var result = await collection.ReplaceOneAsync(
            TenantFilter(new Tenant(config.CompanyId, config.ApplicationId)) & Filter.Eq(c => c.Id, config.Id) &
            Filter.Eq(c => c.Version, expectedVersion),
            config, cancellationToken: cancellationToken);
        return result.MatchedCount == 1;
    }

    private static FilterDefinition<PlatformConfigDocument> TenantFilter(Tenant tenant) =>
        Filter.Eq(c => c.ApplicationId, tenant.ApplicationId) & Filter.Eq(c => c.CompanyId, tenant.CompanyId);
}
