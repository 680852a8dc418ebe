using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// Users per application and state, and a listing generation, in one counter document per application
/// (collection <c>user_counts</c>, unique on <c>{application_id, company_id}</c>, the users' shard key prefix).
/// <para>
/// MongoDB here runs without multi-document transactions, so a count is updated by the same write path right after
/// the user write it follows (<c>$inc</c>, upserted), not atomically with it. A process that dies between the two
/// leaves the count off by one; so every counter remembers when it last changed and when it was last recounted, and
/// <see cref="ReconcileAsync"/> recounts (on the users' indexes) each application whose counter changed and then
/// stayed quiet, writing the recount only if no write moved the generation meanwhile. Counts are therefore exact in
/// steady state and converge after a crash. An application that has users but no counter yet (a database from
/// before the counters) is counted when first listed.
/// </para>
/// </summary>
internal sealed class MongoUserCounts(IMongoDatabase database, IMongoCollection<User> users)
{
    private static readonly FilterDefinitionBuilder<BsonDocument> Filter = Builders<BsonDocument>.Filter;
    private static readonly UserState[] States = Enum.GetValues<UserState>();
    private readonly IMongoCollection<BsonDocument> counters = database.GetCollection<BsonDocument>(Layout.Collection);

    public static readonly MongoCollectionLayout Layout = new(
        "user_counts",
        new BsonDocument { { "application_id", 1 }, { "company_id", 1 } },
        "One counter document per application, read and $inc'd by tenant; nothing to split further.",
        [
            new("tenant_unique", new BsonDocument { { "application_id", 1 }, { "company_id", 1 } }, Unique: true),
        ],
        []);

    /// <summary>A user moved from <paramref name="from"/> (null: new) to <paramref name="to"/>.</summary>
    public async Task AddAsync(Tenant tenant, UserState? from, UserState to, CancellationToken cancellationToken)
    {
        var update = Builders<BsonDocument>.Update.Inc(Field(to), 1).Inc("generation", 1L).CurrentDate("updated_at");
        if (from is { } old)
        {
            update = update.Inc(Field(old), -1);
        }

        // The user is already written: finish the count even if the request is cancelled now.
        await counters.UpdateOneAsync(Of(tenant), update, new UpdateOptions { IsUpsert = true }, CancellationToken.None);
    }

    /// <summary><paramref name="count"/> new users in state <paramref name="to"/> (a bulk insert).</summary>
    public async Task AddNewAsync(Tenant tenant, UserState to, long count, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        if (count > 0)
        {
            await counters.UpdateOneAsync(Of(tenant), Builders<BsonDocument>.Update.Inc(Field(to), count).Inc("generation", 1L)
                .CurrentDate("updated_at"), new UpdateOptions { IsUpsert = true }, CancellationToken.None);
        }
    }

    /// <summary>Listed users (live and deleted) and the listing generation.</summary>
    public async Task<(long Listed, long Generation)> ListedAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var counter = await counters.Find(Of(tenant)).FirstOrDefaultAsync(cancellationToken)
                      ?? await CountFirstAsync(tenant, cancellationToken);
        return (Get(counter, UserState.Live) + Get(counter, UserState.Deleted), counter.GetValue("generation", 0L).ToInt64());
    }

    /// <summary>Recounts the applications whose counter changed more than <paramref name="quiet"/> ago and was not recounted since.</summary>
    public async Task<int> ReconcileAsync(TimeSpan quiet, CancellationToken cancellationToken)
    {
        var before = DateTime.UtcNow - quiet;
        var due = await counters.Find(Filter.Lt("updated_at", before) &
                                      (Filter.Exists("reconciled_at", false) | new BsonDocument("$expr",
                                          new BsonDocument("$lt", new BsonArray { "$reconciled_at", "$updated_at" }))))
            .Limit(1000).ToListAsync(cancellationToken);
        var fixedCount = 0;
        foreach (var counter in due)
        {
            var tenant = new Tenant(counter["company_id"].AsString, counter["application_id"].AsString);
            fixedCount += await RecountAsync(tenant, counter.GetValue("generation", 0L).ToInt64(), cancellationToken) ? 1 : 0;
        }

        return fixedCount;
    }

    /// <summary>
    /// Recounts one application now. For a bulk batch written again after a crash: the run that died may have written
    /// some of its users without counting them, and which ones cannot be told, so the count is taken from the users.
    /// </summary>
    public async Task<bool> RecountNowAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var counter = await counters.Find(Of(tenant)).FirstOrDefaultAsync(cancellationToken);
        return await RecountAsync(tenant, counter?.GetValue("generation", 0L).ToInt64() ?? 0L, cancellationToken);
    }

    private async Task<bool> RecountAsync(Tenant tenant, long generation, CancellationToken cancellationToken)
    {
        var recount = await CountAsync(tenant, cancellationToken);
        recount.Set("reconciled_at", DateTime.UtcNow);
        // Only if nothing was written meanwhile; otherwise the reconciler's next round recounts it.
        var done = await counters.UpdateOneAsync(Of(tenant) & Filter.Eq("generation", generation),
            new BsonDocument("$set", recount), cancellationToken: cancellationToken);
        return done.ModifiedCount > 0;
    }

    private async Task<BsonDocument> CountFirstAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var counted = await CountAsync(tenant, cancellationToken);
        counted.Set("generation", 0L).Set("updated_at", DateTime.UtcNow).Set("reconciled_at", DateTime.UtcNow);
        // Insert only if still absent: a write that created the counter meanwhile wins, and is reconciled later.
        await counters.UpdateOneAsync(Of(tenant), new BsonDocument("$setOnInsert", counted),
            new UpdateOptions { IsUpsert = true }, cancellationToken);
        return await counters.Find(Of(tenant)).FirstOrDefaultAsync(cancellationToken) ?? counted;
    }

    private async Task<BsonDocument> CountAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var counted = new BsonDocument();
        foreach (var state in States)
        {
            var n = await users.CountDocumentsAsync(
                Builders<User>.Filter.Eq(u => u.CompanyId, tenant.CompanyId) &
                Builders<User>.Filter.Eq(u => u.ApplicationId, tenant.ApplicationId) &
                Builders<User>.Filter.Eq(u => u.State, state), cancellationToken: cancellationToken);
            counted.Set(Field(state), n);
        }

        return counted;
    }

    private static FilterDefinition<BsonDocument> Of(Tenant tenant) =>
        Filter.Eq("application_id", tenant.ApplicationId) & Filter.Eq("company_id", tenant.CompanyId);

    private static string Field(UserState state) => state.ToString().ToLowerInvariant();

    private static long Get(BsonDocument counter, UserState state) => counter.GetValue(Field(state), 0L).ToInt64();
}

/// <summary>Recounts quiet, changed applications every 10 minutes (and once at start) when the store is MongoDB.</summary>
internal sealed class MongoUserCountReconciler(IServiceProvider services, ILogger<MongoUserCountReconciler> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Quiet = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Registered only when MongoDB is the store.
        if (services.GetService<MongoUserStore>() is not { } store)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                var fixedCount = await store.ReconcileCountsAsync(Quiet, stoppingToken);
                if (fixedCount > 0)
                {
                    logger.LogInformation("Recounted the users of {Count} applications", fixedCount);
                }
            }
            catch (Exception e) when (e is MongoException or TimeoutException)
            {
                logger.LogWarning(e, "Recounting users failed; trying again in {Interval}", Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
