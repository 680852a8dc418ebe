using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Sessions;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// Sessions in <c>user_sessions</c>, the public id as an ObjectId <c>_id</c>, sharded by
/// <c>{application_id, company_id, sid_hash}</c>: the lookup of every request (by cookie) goes to one shard and a large
/// application's sessions spread over many chunks (the hash is random). A TTL index on <c>expires_at</c>
/// (expireAfterSeconds 0) lets MongoDB remove expired sessions by itself; because its monitor runs only about once a
/// minute (and emulators may not run it at all), every query also filters <c>expires_at &gt; now</c>.
/// </summary>
internal sealed class MongoSessionStore : ISessionStore, IStoreInitializer
{
    public static readonly MongoCollectionLayout Layout = new(
        "user_sessions",
        new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "sid_hash", 1 } },
        "Verifying a cookie (every request) targets one shard; the random sid hash lets a large application split.",
        [
            new("sid_hash_unique_v2",
                new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "sid_hash", 1 } }, Unique: true),
            new("user_sessions_v2", new BsonDocument
            {
                { "application_id", 1 }, { "company_id", 1 }, { "user_id", 1 }, { "expires_at", 1 },
            }),
            new("expires_at_ttl", new BsonDocument("expires_at", 1), ExpireAfter: TimeSpan.Zero,
                NoShardKeyPrefixBecause: "a TTL index must have a single field; each shard's TTL monitor uses its own"),
        ],
        ["sid_hash_unique", "user_sessions"]);

    private static readonly FilterDefinitionBuilder<UserSession> Filter = Builders<UserSession>.Filter;
    private static readonly UpdateDefinitionBuilder<UserSession> Update = Builders<UserSession>.Update;
    private static readonly SortDefinition<UserSession> NewestFirst =
        Builders<UserSession>.Sort.Descending(s => s.CreatedAt).Descending(s => s.Id);
    private static readonly ProjectionDefinition<UserSession, BsonDocument> IdOnly =
        Builders<UserSession>.Projection.Include(s => s.Id);
    private readonly MongoDatabaseProvider mongo;
    private readonly IMongoCollection<UserSession> collection;

    public MongoSessionStore(MongoDatabaseProvider mongo)
    {
        MongoClassMaps.Register();
        this.mongo = mongo;
        collection = mongo.Database.GetCollection<UserSession>(Layout.Collection);
    }

    public bool ExpiresByItself => true;

    public Task InitializeAsync(CancellationToken cancellationToken) => MongoIndexes.EnsureAsync(mongo, Layout, cancellationToken);

    public async Task InsertAsync(UserSession session, CancellationToken cancellationToken) =>
        await collection.InsertOneAsync(session, cancellationToken: cancellationToken);

    public async Task<UserSession?> FindLiveBySidHashAsync(Tenant tenant, string sidHash, DateTime now,
        CancellationToken cancellationToken) =>
        await collection.Find(Filter.Eq(s => s.SidHash, sidHash) & TenantFilter(tenant) & LiveFilter(now))
            .FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyList<UserSession>> ListLiveAsync(Tenant tenant, string userId, DateTime now, int limit,
        CancellationToken cancellationToken) =>
        await collection.Find(UserFilter(tenant, userId) & LiveFilter(now))
            .Sort(NewestFirst).Limit(limit).ToListAsync(cancellationToken);

    public async Task<bool> RevokeAsync(Tenant tenant, string userId, string sessionId, SessionRevocation revocation,
        CancellationToken cancellationToken)
    {
        var result = await collection.UpdateOneAsync(
            UserFilter(tenant, userId) & Filter.Eq(s => s.Id, sessionId) & LiveFilter(revocation.At),
            Revoke(revocation), cancellationToken: cancellationToken);
        return result.ModifiedCount == 1;
    }

    /// <summary>
    /// One <c>updateMany</c>, which the driver never retries (multi-document writes are not retryable writes): a failover
    /// in the middle can leave part of the sessions revoked and fail. It is idempotent (it only touches sessions still
    /// live, marking them with this revocation's id), so it is repeated on a transient error until it completes; the
    /// answer is then the number of sessions carrying this revocation's id, whichever attempt marked them.
    /// </summary>
    public async Task<int> RevokeAllAsync(Tenant tenant, string userId, SessionRevocation revocation, CancellationToken cancellationToken)
    {
        var filter = UserFilter(tenant, userId) & LiveFilter(revocation.At);
        return await MongoDatabaseProvider.RepeatOnTransientAsync(async attempt =>
        {
            var result = await collection.UpdateManyAsync(filter, Revoke(revocation), cancellationToken: cancellationToken);
            return attempt == 1
                ? (int)result.ModifiedCount
                : (int)await collection.CountDocumentsAsync(
                    UserFilter(tenant, userId) & Filter.Eq(s => s.RevocationId, revocation.Id), cancellationToken: cancellationToken);
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> FindIdsByRevocationAsync(Tenant tenant, string userId, string revocationId,
        CancellationToken cancellationToken)
    {
        var found = await collection.Find(UserFilter(tenant, userId) & Filter.Eq(s => s.RevocationId, revocationId))
            .Sort(NewestFirst).Project(IdOnly).ToListAsync(cancellationToken);
        return found.Select(IdOf).ToList();
    }

    public async Task<bool> ExtendAsync(Tenant tenant, string sessionId, DateTime expiresAt, DateTime now,
        CancellationToken cancellationToken)
    {
        var result = await collection.UpdateOneAsync(
            TenantFilter(tenant) & Filter.Eq(s => s.Id, sessionId) & LiveFilter(now) & Filter.Lt(s => s.ExpiresAt, expiresAt),
            Update.Set(s => s.ExpiresAt, expiresAt), cancellationToken: cancellationToken);
        return result.ModifiedCount == 1;
    }

    /// <summary>The TTL index does this in production; kept for the port's contract and for servers without TTL.</summary>
    public async Task<int> DeleteExpiredAsync(DateTime now, int limit, CancellationToken cancellationToken)
    {
        var expired = Filter.Lte(s => s.ExpiresAt, now);
        var found = await collection.Find(expired).Limit(limit).Project(IdOnly).ToListAsync(cancellationToken);
        if (found.Count == 0)
        {
            return 0;
        }

        // Not a retryable write either; repeating it is harmless (it deletes by id what is still there and expired).
        var ids = found.Select(IdOf).ToList();
        return await MongoDatabaseProvider.RepeatOnTransientAsync(async _ =>
            (int)(await collection.DeleteManyAsync(Filter.In(s => s.Id, ids) & expired, cancellationToken)).DeletedCount, cancellationToken);
    }

    private static string IdOf(BsonDocument document) => document["_id"].AsObjectId.ToString();

    private static UpdateDefinition<UserSession> Revoke(SessionRevocation revocation) =>
        Update.Set(s => s.RevokedAt, revocation.At)
            .Set(s => s.RevokedBy, revocation.By)
            .Set(s => s.RevokeReason, revocation.Reason)
            .Set(s => s.RevocationId, revocation.Id);

    private static FilterDefinition<UserSession> TenantFilter(Tenant tenant) =>
        Filter.Eq(s => s.ApplicationId, tenant.ApplicationId) & Filter.Eq(s => s.CompanyId, tenant.CompanyId);

    private static FilterDefinition<UserSession> UserFilter(Tenant tenant, string userId) =>
        TenantFilter(tenant) & Filter.Eq(s => s.UserId, userId);

    private static FilterDefinition<UserSession> LiveFilter(DateTime now) =>
        Filter.Eq(s => s.RevokedAt, null) & Filter.Gt(s => s.ExpiresAt, now);
}
