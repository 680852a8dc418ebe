using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Sessions;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// Sessions in <c>user_sessions</c>, the public id as an ObjectId <c>_id</c>. A TTL index on <c>expires_at</c>
/// (expireAfterSeconds 0) lets MongoDB remove expired sessions by itself; because its monitor runs only about once a
/// minute (and emulators may not run it at all), every query also filters <c>expires_at &gt; now</c>.
/// Lookups by (tenant, public id) use the <c>_id</c> index.
/// </summary>
internal sealed class MongoSessionStore : ISessionStore, IStoreInitializer
{
    private static readonly FilterDefinitionBuilder<UserSession> Filter = Builders<UserSession>.Filter;
    private static readonly UpdateDefinitionBuilder<UserSession> Update = Builders<UserSession>.Update;
    private static readonly SortDefinition<UserSession> NewestFirst =
        Builders<UserSession>.Sort.Descending(s => s.CreatedAt).Descending(s => s.Id);
    private static readonly ProjectionDefinition<UserSession, BsonDocument> IdOnly =
        Builders<UserSession>.Projection.Include(s => s.Id);
    private readonly IMongoCollection<UserSession> collection;

    public MongoSessionStore(MongoDatabaseProvider mongo)
    {
        MongoClassMaps.Register();
        collection = mongo.Database.GetCollection<UserSession>("user_sessions");
    }

    public bool ExpiresByItself => true;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var keys = Builders<UserSession>.IndexKeys;
        await collection.Indexes.CreateManyAsync(
        [
            new CreateIndexModel<UserSession>(keys.Ascending(s => s.SidHash),
                new CreateIndexOptions { Name = "sid_hash_unique", Unique = true }),
            new CreateIndexModel<UserSession>(
                keys.Ascending(s => s.CompanyId).Ascending(s => s.ApplicationId).Ascending(s => s.UserId).Ascending(s => s.ExpiresAt),
                new CreateIndexOptions { Name = "user_sessions" }),
            new CreateIndexModel<UserSession>(keys.Ascending(s => s.ExpiresAt),
                new CreateIndexOptions { Name = "expires_at_ttl", ExpireAfter = TimeSpan.Zero }),
        ], cancellationToken);
    }

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

    public async Task<int> RevokeAllAsync(Tenant tenant, string userId, SessionRevocation revocation, CancellationToken cancellationToken)
    {
        var result = await collection.UpdateManyAsync(UserFilter(tenant, userId) & LiveFilter(revocation.At), Revoke(revocation),
            cancellationToken: cancellationToken);
        return (int)result.ModifiedCount;
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

        var result = await collection.DeleteManyAsync(Filter.In(s => s.Id, found.Select(IdOf)) & expired, cancellationToken);
        return (int)result.DeletedCount;
    }

    private static string IdOf(BsonDocument document) => document["_id"].AsObjectId.ToString();

    private static UpdateDefinition<UserSession> Revoke(SessionRevocation revocation) =>
        Update.Set(s => s.RevokedAt, revocation.At)
            .Set(s => s.RevokedBy, revocation.By)
            .Set(s => s.RevokeReason, revocation.Reason)
            .Set(s => s.RevocationId, revocation.Id);

    private static FilterDefinition<UserSession> TenantFilter(Tenant tenant) =>
        Filter.Eq(s => s.CompanyId, tenant.CompanyId) & Filter.Eq(s => s.ApplicationId, tenant.ApplicationId);

    private static FilterDefinition<UserSession> UserFilter(Tenant tenant, string userId) =>
        TenantFilter(tenant) & Filter.Eq(s => s.UserId, userId);

    private static FilterDefinition<UserSession> LiveFilter(DateTime now) =>
        Filter.Eq(s => s.RevokedAt, null) & Filter.Gt(s => s.ExpiresAt, now);
}
