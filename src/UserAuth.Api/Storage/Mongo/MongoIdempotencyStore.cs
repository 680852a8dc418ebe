using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Features.Idempotency;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// Idempotency keys in <c>idempotency_keys</c>, one document per (application, company, client, key) under a unique
/// index (and an <c>_id</c> derived from the key). A claim inserts the document, or takes over one that expired or whose lease ran out with one conditional
/// findOneAndUpdate, so instances never both hold a key. A TTL index on <c>expires_at</c> removes expired keys; since
/// its monitor runs about once a minute, every read also ignores keys past <c>expires_at</c>.
/// </summary>
internal sealed class MongoIdempotencyStore : IIdempotencyStore, IStoreInitializer
{
    public static readonly MongoCollectionLayout Layout = new(
        "idempotency_keys",
        new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "client_id", 1 }, { "key", 1 } },
        "Every claim, read and completion names one key: one shard; keys of a large application spread out.",
        [
            new("idempotency_key_unique", new BsonDocument
            {
                { "application_id", 1 }, { "company_id", 1 }, { "client_id", 1 }, { "key", 1 },
            }, Unique: true),
            new("expires_at_ttl", new BsonDocument("expires_at", 1), ExpireAfter: TimeSpan.Zero,
                NoShardKeyPrefixBecause: "a TTL index must have a single field; each shard's TTL monitor uses its own"),
        ],
        []);

    private static readonly FilterDefinitionBuilder<BsonDocument> Filter = Builders<BsonDocument>.Filter;
    private readonly MongoDatabaseProvider mongo;
    private readonly IMongoCollection<BsonDocument> collection;

    public MongoIdempotencyStore(MongoDatabaseProvider mongo)
    {
        this.mongo = mongo;
        collection = mongo.Database.GetCollection<BsonDocument>(Layout.Collection);
    }

    public bool ExpiresByItself => true;

    public Task InitializeAsync(CancellationToken cancellationToken) => MongoIndexes.EnsureAsync(mongo, Layout, cancellationToken);

    public async Task<IdempotencyRecord?> ClaimAsync(IdempotencyScope scope, string fingerprint, string owner, DateTime now,
        DateTime leaseUntil, DateTime expiresAt, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var document = new BsonDocument
                {
                    { "_id", IdOf(scope) },
                    { "application_id", scope.Tenant.ApplicationId },
                    { "company_id", scope.Tenant.CompanyId },
                    { "client_id", scope.ClientId },
                    { "key", scope.Key },
                };
                document.AddRange(Claimed(fingerprint, owner, leaseUntil, expiresAt));
                await collection.InsertOneAsync(document, cancellationToken: cancellationToken);
                return null;
            }
            catch (MongoException e) when (MongoDatabaseProvider.IsDuplicateKey(e))
            {
                // Held, or left behind: take it over only when it expired or its lease ran out.
            }

            var takeover = Key(scope) & (Filter.Lte("expires_at", now) |
                                         (Filter.Eq("status", BsonNull.Value) & Filter.Lte("lease_until", now)));
            var taken = await collection.FindOneAndUpdateAsync(takeover,
                new BsonDocument("$set", Claimed(fingerprint, owner, leaseUntil, expiresAt)),
                cancellationToken: cancellationToken);
            if (taken is not null)
            {
                return null;
            }

            var held = await collection.Find(Key(scope)).FirstOrDefaultAsync(cancellationToken);
            if (held is not null)
            {
                return Map(held);
            }

            if (attempt >= 3)
            {
                throw new StoreUnavailableException("An idempotency key could not be claimed: it kept changing.");
            }
        }
    }

    public async Task<IdempotencyRecord?> FindAsync(IdempotencyScope scope, DateTime now, CancellationToken cancellationToken)
    {
        var found = await collection.Find(Key(scope) & Filter.Gt("expires_at", now)).FirstOrDefaultAsync(cancellationToken);
        return found is null ? null : Map(found);
    }

    public async Task<bool> CompleteAsync(IdempotencyScope scope, string owner, StoredAnswer answer, DateTime expiresAt,
        CancellationToken cancellationToken)
    {
        var result = await collection.UpdateOneAsync(
            Key(scope) & Filter.Eq("owner", owner) & Filter.Eq("status", BsonNull.Value),
            new BsonDocument("$set", new BsonDocument
            {
                { "status", answer.Status },
                { "content", answer.ProtectedContent },
                { "expires_at", expiresAt },
            }),
            cancellationToken: cancellationToken);
        return result.MatchedCount == 1;
    }

    public async Task ReleaseAsync(IdempotencyScope scope, string owner, CancellationToken cancellationToken) =>
        await collection.DeleteOneAsync(Key(scope) & Filter.Eq("owner", owner) & Filter.Eq("status", BsonNull.Value),
            cancellationToken);

    public Task<int> DeleteExpiredAsync(DateTime now, int limit, CancellationToken cancellationToken) => Task.FromResult(0);

    private static BsonDocument Claimed(string fingerprint, string owner, DateTime leaseUntil, DateTime expiresAt) => new()
    {
        { "fingerprint", fingerprint },
        { "owner", owner },
        { "lease_until", leaseUntil },
        { "expires_at", expiresAt },
        { "status", BsonNull.Value },
        { "content", BsonNull.Value },
    };

    /// <summary>
    /// The <c>_id</c>: the first 12 bytes of SHA-256 over the key's scope, so a second insert of a key fails on
    /// <c>_id</c> even where the unique index is not enforced (the CI emulator), and stays on the key's shard.
    /// </summary>
    private static ObjectId IdOf(IdempotencyScope scope) => new(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes($"{scope.Tenant.ApplicationId}\n{scope.Tenant.CompanyId}\n{scope.ClientId}\n{scope.Key}"))[..12]);

    private static FilterDefinition<BsonDocument> Key(IdempotencyScope scope) =>
        Filter.Eq("_id", IdOf(scope)) & Filter.Eq("application_id", scope.Tenant.ApplicationId) & Filter.Eq("company_id", scope.Tenant.CompanyId) &
        Filter.Eq("client_id", scope.ClientId) & Filter.Eq("key", scope.Key);

    private static IdempotencyRecord Map(BsonDocument document) => new(
        document["fingerprint"].AsString,
        document["owner"].AsString,
        document["lease_until"].ToUniversalTime(),
        document["expires_at"].ToUniversalTime(),
        document.GetValue("status", BsonNull.Value).IsBsonNull
            ? null
            : new StoredAnswer(document["status"].ToInt32(), document["content"].AsString));
}
