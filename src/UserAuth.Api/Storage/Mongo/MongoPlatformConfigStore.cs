using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.PlatformConfig;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// One document per tenant in <c>platform_configs</c>. The unique index on (company, application) and the
/// <c>_id</c> derived from the tenant both stop a second first save; the <c>_id</c> alone also holds on servers that do
/// not enforce secondary unique indexes (the CI wire emulator). Updates are conditional on <c>__v</c>.
/// </summary>
internal sealed class MongoPlatformConfigStore : IPlatformConfigStore, IStoreInitializer
{
    private static readonly FilterDefinitionBuilder<PlatformConfigDocument> Filter = Builders<PlatformConfigDocument>.Filter;
    private readonly IMongoCollection<PlatformConfigDocument> collection;

    public MongoPlatformConfigStore(MongoDatabaseProvider mongo)
    {
        MongoClassMaps.Register();
        collection = mongo.Database.GetCollection<PlatformConfigDocument>("platform_configs");
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await collection.Indexes.CreateOneAsync(new CreateIndexModel<PlatformConfigDocument>(
            Builders<PlatformConfigDocument>.IndexKeys.Ascending(c => c.CompanyId).Ascending(c => c.ApplicationId),
            new CreateIndexOptions { Name = "tenant_unique", Unique = true }), cancellationToken: cancellationToken);
    }

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
        Filter.Eq(c => c.CompanyId, tenant.CompanyId) & Filter.Eq(c => c.ApplicationId, tenant.ApplicationId);
}
