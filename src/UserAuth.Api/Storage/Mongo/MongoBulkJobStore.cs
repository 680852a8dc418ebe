using System.Text.RegularExpressions;
using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.BulkJobs;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// Jobs in the <c>bulk_jobs</c> collection. Tenant queries use an index starting with application_id; the file sweep
/// looks across tenants (a small collection: keep it unsharded). The shared work queue (<c>job_queue</c>) runs them.
/// </summary>
internal sealed class MongoBulkJobStore : IBulkJobStore, IStoreInitializer
{
    private static readonly FilterDefinitionBuilder<BulkJob> Filter = Builders<BulkJob>.Filter;

    public static readonly MongoCollectionLayout Layout = new(
        "bulk_jobs",
        null,
        "Unsharded: a small collection; the file sweep looks across tenants.",
        [
            new("listing", new BsonDocument
            {
                { "application_id", 1 }, { "company_id", 1 }, { "action_type", 1 }, { "created_at", -1 }, { "_id", -1 },
            }),
            new("files_due", new BsonDocument("files_expire_at", 1), Sparse: true,
                NoShardKeyPrefixBecause: "the file sweep looks for expired files of every tenant"),
        ],
        ["claimable"]);

    private readonly MongoDatabaseProvider mongo;
    private readonly IMongoCollection<BulkJob> collection;

    public MongoBulkJobStore(MongoDatabaseProvider mongo)
    {
        MongoClassMaps.Register();
        this.mongo = mongo;
        collection = mongo.Database.GetCollection<BulkJob>(Layout.Collection);
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => MongoIndexes.EnsureAsync(mongo, Layout, cancellationToken);

    public Task InsertAsync(BulkJob job, CancellationToken cancellationToken) =>
        collection.InsertOneAsync(job, cancellationToken: cancellationToken);

    public async Task<BulkJob?> FindAsync(Tenant tenant, string id, CancellationToken cancellationToken) =>
        await collection.Find(TenantFilter(tenant) & Filter.Eq(j => j.Id, id)).FirstOrDefaultAsync(cancellationToken);

    public async Task<(IReadOnlyList<BulkJob> Items, long Total)> ListAsync(Tenant tenant, BulkJobQuery query, int skip, int take,
        CancellationToken cancellationToken)
    {
        var filter = TenantFilter(tenant) & Filter.Eq(j => j.ActionType, query.ActionType);
        if (query.Status is not null)
        {
            filter &= Filter.Eq(j => j.Status, query.Status);
        }

        if (query.FileFormat is not null)
        {
            filter &= Filter.Eq(j => j.FileFormat, query.FileFormat);
        }

        if (query.CreatedFrom is { } from)
        {
            filter &= Filter.Gte(j => j.CreatedAt, from);
        }

        if (query.CreatedTo is { } to)
        {
            filter &= Filter.Lte(j => j.CreatedAt, to);
        }

        if (query.Search is { } search)
        {
            var byName = Filter.Regex(j => j.FileName, new BsonRegularExpression(Regex.Escape(search), "i"));
            filter &= Ids.IsValid(search) ? Filter.Eq(j => j.Id, search.ToLowerInvariant()) | byName : byName;
        }

        var items = await collection.Find(filter)
            .Sort(Builders<BulkJob>.Sort.Descending(j => j.CreatedAt).Descending(j => j.Id))
            .Skip(skip).Limit(take).ToListAsync(cancellationToken);
        var total = await collection.CountDocumentsAsync(filter, cancellationToken: cancellationToken);
        return (items, total);
    }

    public async Task<bool> ReplaceAsync(BulkJob job, int expectedVersion, CancellationToken cancellationToken)
    {
        var result = await collection.ReplaceOneAsync(
            TenantFilter(new Tenant(job.CompanyId, job.ApplicationId)) & Filter.Eq(j => j.Id, job.Id) &
            Filter.Eq(j => j.Version, expectedVersion),
            job, cancellationToken: cancellationToken);
        return result.MatchedCount == 1;
    }

    public async Task<IReadOnlyList<BulkJob>> FindFilesDueAsync(DateTime now, int limit, CancellationToken cancellationToken) =>
        await collection.Find(Filter.Lte(j => j.FilesExpireAt, now))
            .Sort(Builders<BulkJob>.Sort.Ascending(j => j.FilesExpireAt)).Limit(limit).ToListAsync(cancellationToken);

    private static FilterDefinition<BulkJob> TenantFilter(Tenant tenant) =>
        Filter.Eq(j => j.ApplicationId, tenant.ApplicationId) & Filter.Eq(j => j.CompanyId, tenant.CompanyId);
}
