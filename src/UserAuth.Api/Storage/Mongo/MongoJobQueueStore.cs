using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Common.Jobs;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// The work queue in <c>job_queue</c>. A claim is one <c>findOneAndUpdate</c> on an available document (atomic per
/// document in MongoDB), so instances never claim the same job; later writes are conditional on the lease owner.
/// The collection holds only live work (finished jobs are deleted), stays small and is not sharded, so its claim index
/// starts with <c>kind</c>, not <c>application_id</c>; the per-subject index does start with <c>application_id</c>.
/// </summary>
internal sealed class MongoJobQueueStore : IJobQueueStore, IStoreInitializer
{
    private static readonly FilterDefinitionBuilder<JobDocument> Filter = Builders<JobDocument>.Filter;
    private static readonly UpdateDefinitionBuilder<JobDocument> Update = Builders<JobDocument>.Update;
    public static readonly MongoCollectionLayout Layout = new(
        "job_queue",
        null,
        "Unsharded: only live work (finished jobs are deleted), claimed across tenants by any instance.",
        [
            new("claim", new MongoDB.Bson.BsonDocument { { "kind", 1 }, { "available_at", 1 } },
                NoShardKeyPrefixBecause: "a claim takes the next available job of any tenant"),
            new("subject", new MongoDB.Bson.BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "kind", 1 }, { "subject_id", 1 } }),
        ],
        []);

    private readonly MongoDatabaseProvider mongo;
    private readonly IMongoCollection<JobDocument> collection;

    public MongoJobQueueStore(MongoDatabaseProvider mongo)
    {
        MongoConventions.Register();
        this.mongo = mongo;
        collection = mongo.Database.GetCollection<JobDocument>(Layout.Collection);
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => MongoIndexes.EnsureAsync(mongo, Layout, cancellationToken);

    public async Task EnqueueAsync(QueuedJob job, CancellationToken cancellationToken) =>
        await collection.InsertOneAsync(JobDocument.From(job), cancellationToken: cancellationToken);

    public async Task<QueuedJob?> ClaimAsync(IReadOnlyCollection<string> kinds, string owner, DateTime now, DateTime leaseUntil,
        CancellationToken cancellationToken)
    {
        var claimed = await collection.FindOneAndUpdateAsync(
            Filter.In(j => j.Kind, kinds) & Filter.Lte(j => j.AvailableAt, now),
            Update.Set(j => j.LeaseOwner, owner).Set(j => j.AvailableAt, leaseUntil).Inc(j => j.Attempts, 1),
            new FindOneAndUpdateOptions<JobDocument>
            {
                Sort = Builders<JobDocument>.Sort.Ascending(j => j.AvailableAt),
                ReturnDocument = ReturnDocument.After,
            }, cancellationToken);
        return claimed?.ToJob();
    }

    public async Task<bool> RenewAsync(string jobId, string owner, DateTime leaseUntil, long? checkpoint, CancellationToken cancellationToken)
    {
        var update = Update.Set(j => j.AvailableAt, leaseUntil);
        if (checkpoint is { } c)
        {
            update = update.Set(j => j.Checkpoint, c);
        }

        var result = await collection.UpdateOneAsync(Owned(jobId, owner), update, cancellationToken: cancellationToken);
        return result.MatchedCount == 1;
    }

    public async Task<bool> CompleteAsync(string jobId, string owner, CancellationToken cancellationToken)
    {
        var result = await collection.DeleteOneAsync(Owned(jobId, owner), cancellationToken);
        return result.DeletedCount == 1;
    }

    public async Task<bool> ReleaseAsync(string jobId, string owner, DateTime retryAt, string? error, CancellationToken cancellationToken)
    {
        var result = await collection.UpdateOneAsync(Owned(jobId, owner),
            Update.Set(j => j.LeaseOwner, null).Set(j => j.AvailableAt, retryAt).Set(j => j.LastError, error),
            cancellationToken: cancellationToken);
        return result.MatchedCount == 1;
    }

    public async Task<IReadOnlyDictionary<string, (long Depth, DateTime OldestEnqueuedAt)>> StatsAsync(IReadOnlyCollection<string> kinds,
        CancellationToken cancellationToken)
    {
        var groups = await collection.Aggregate()
            .Match(Filter.In(j => j.Kind, kinds))
            .Group(j => j.Kind, g => new { Kind = g.Key, Depth = g.LongCount(), Oldest = g.Min(j => j.EnqueuedAt) })
            .ToListAsync(cancellationToken);
        return groups.ToDictionary(g => g.Kind, g => (g.Depth, DateTime.SpecifyKind(g.Oldest, DateTimeKind.Utc)));
    }

    public async Task<IReadOnlyList<QueuedJob>> FindBySubjectAsync(string kind, Tenant tenant, string subjectId,
        CancellationToken cancellationToken)
    {
        var found = await collection.Find(Filter.Eq(j => j.ApplicationId, tenant.ApplicationId) &
                                          Filter.Eq(j => j.CompanyId, tenant.CompanyId) & Filter.Eq(j => j.Kind, kind) &
                                          Filter.Eq(j => j.SubjectId, subjectId))
            .Sort(Builders<JobDocument>.Sort.Ascending(j => j.EnqueuedAt)).ToListAsync(cancellationToken);
        return found.Select(j => j.ToJob()).ToList();
    }

    private static FilterDefinition<JobDocument> Owned(string jobId, string owner) =>
        Filter.Eq(j => j.Id, jobId) & Filter.Eq(j => j.LeaseOwner, owner);

    /// <summary>How a queued job is stored (fixed here, apart from the domain record).</summary>
    internal sealed class JobDocument
    {
        public string Id { get; set; } = "";

        public string Kind { get; set; } = "";

        public string ApplicationId { get; set; } = "";

        public string CompanyId { get; set; } = "";

        public string SubjectId { get; set; } = "";

        public string RunId { get; set; } = "";

        public int Attempts { get; set; }

        public long Checkpoint { get; set; }

        public string? LeaseOwner { get; set; }

        public DateTime AvailableAt { get; set; }

        public DateTime EnqueuedAt { get; set; }

        public string? LastError { get; set; }

        public static JobDocument From(QueuedJob job) => new()
        {
            Id = job.Id,
            Kind = job.Kind,
            ApplicationId = job.ApplicationId,
            CompanyId = job.CompanyId,
            SubjectId = job.SubjectId,
            RunId = job.RunId,
            Attempts = job.Attempts,
            Checkpoint = job.Checkpoint,
            LeaseOwner = job.LeaseOwner,
            AvailableAt = job.AvailableAt,
            EnqueuedAt = job.EnqueuedAt,
            LastError = job.LastError,
        };

        public QueuedJob ToJob() => new()
        {
            Id = Id,
            Kind = Kind,
            ApplicationId = ApplicationId,
            CompanyId = CompanyId,
            SubjectId = SubjectId,
            RunId = RunId,
            Attempts = Attempts,
            Checkpoint = Checkpoint,
            LeaseOwner = LeaseOwner,
            AvailableAt = DateTime.SpecifyKind(AvailableAt, DateTimeKind.Utc),
            EnqueuedAt = DateTime.SpecifyKind(EnqueuedAt, DateTimeKind.Utc),
            LastError = LastError,
        };
    }
}
