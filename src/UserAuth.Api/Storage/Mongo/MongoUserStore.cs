using System.Text.RegularExpressions;
using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// Users in <c>users</c>, sharded by <c>{application_id, company_id}</c>. A unique multikey index on (application, company,
/// identity_keys), partial on documents that hold string keys, makes username, emails and phones unique per application
/// among live and deleted users. Every lookup by key carries the index's filter (<c>$type: "string"</c>) beside the
/// <c>$in</c>: the planner uses a partial index only for queries that imply its filter, and <c>$in</c> alone does not.
/// </summary>
internal sealed partial class MongoUserStore : IUserStore, IStoreInitializer
{
    public static readonly MongoCollectionLayout Layout = new(
        "users",
        new BsonDocument { { "application_id", 1 }, { "company_id", 1 } },
        "A unique index must start with the shard key and a shard key cannot hold an array, so the identity-key index " +
        "{application_id, company_id, identity_keys} allows no finer key: one application's users stay in one chunk range.",
        [
            new("identity_keys_unique_v2",
                new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "identity_keys", 1 } },
                Unique: true,
                PartialFilter: new BsonDocument("identity_keys", new BsonDocument("$type", "string"))),
            new("listing_v2", new BsonDocument
            {
                { "application_id", 1 }, { "company_id", 1 }, { "state", 1 }, { "created_at", -1 }, { "_id", -1 },
            }),
            new("username_prefix_v2", new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "username_lc", 1 } }),
            new("first_name_prefix_v2", new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "first_name_lc", 1 } }),
            new("last_name_prefix_v2", new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "last_name_lc", 1 } }),
            new("delete_due", new BsonDocument { { "state", 1 }, { "delete_on", 1 } },
                NoShardKeyPrefixBecause: "the erasure job looks for due users of every tenant at once (a scatter-gather, " +
                                         "each shard answering from this index)"),
        ],
        ["identity_keys_unique", "listing", "username_prefix", "first_name_prefix", "last_name_prefix"]);

    private static readonly FilterDefinitionBuilder<User> Filter = Builders<User>.Filter;
    private static readonly UserState[] Listed = [UserState.Live, UserState.Deleted];
    private readonly MongoDatabaseProvider mongo;
    private readonly IMongoCollection<User> collection;
    private readonly MongoUserCounts counts;
    private readonly ListingBoundaries boundaries;

    public MongoUserStore(MongoDatabaseProvider mongo, ListingBoundaries boundaries)
    {
        MongoClassMaps.Register();
        this.mongo = mongo;
        collection = mongo.Database.GetCollection<User>(Layout.Collection);
        counts = new MongoUserCounts(mongo.Database, collection);
        this.boundaries = boundaries;
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await MongoIndexes.EnsureAsync(mongo, Layout, cancellationToken);
        await MongoIndexes.EnsureAsync(mongo, MongoUserCounts.Layout, cancellationToken);
    }

    /// <summary>Recounts the applications whose counts changed and then stayed quiet (see <see cref="MongoUserCounts"/>).</summary>
    public Task<int> ReconcileCountsAsync(TimeSpan quiet, CancellationToken cancellationToken) =>
        counts.ReconcileAsync(quiet, cancellationToken);

    public async Task InsertAsync(User user, CancellationToken cancellationToken)
    {
        try
        {
            await collection.InsertOneAsync(user, cancellationToken: cancellationToken);
        }
        catch (MongoException e) when (MongoDatabaseProvider.IsDuplicateKey(e))
        {
            throw new IdentityTakenException(TakenKey(e));
        }

        await counts.AddAsync(TenantOf(user), null, user.State, cancellationToken);
    }

    public async Task<bool> ReplaceAsync(User user, int expectedVersion, CancellationToken cancellationToken)
    {
        try
        {
            var before = await collection.FindOneAndReplaceAsync(
                TenantFilter(TenantOf(user)) & Filter.Eq(u => u.Id, user.Id) & Filter.Eq(u => u.Version, expectedVersion),
                user, new FindOneAndReplaceOptions<User> { ReturnDocument = ReturnDocument.Before }, cancellationToken);
            if (before is null)
            {
                return false;
            }

            if (before.State != user.State)
            {
                await counts.AddAsync(TenantOf(user), before.State, user.State, cancellationToken);
            }

            return true;
        }
        catch (MongoException e) when (MongoDatabaseProvider.IsDuplicateKey(e))
        {
            throw new IdentityTakenException(TakenKey(e));
        }
    }

    public async Task<User?> FindByIdAsync(Tenant tenant, string id, CancellationToken cancellationToken) =>
        await collection.Find(TenantFilter(tenant) & Filter.Eq(u => u.Id, id)).FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyList<User>> FindByIdsAsync(Tenant tenant, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ids.Count == 0 ? [] : await collection.Find(TenantFilter(tenant) & Filter.In(u => u.Id, ids)).ToListAsync(cancellationToken);

    public async Task<CustomerPage> ListAsync(Tenant tenant, CustomerFilter filter, int skip, int take,
        CancellationToken cancellationToken)
    {
        var listed = TenantFilter(tenant) & Filter.In(u => u.State, Listed);
        if (filter.IsEmpty)
        {
            var (total, generation) = await counts.ListedAsync(tenant, cancellationToken);
            if (skip >= total)
            {
                return new CustomerPage([], total, false, false);
            }

            var (anchor, offset) = await boundaries.SeekAsync(tenant, generation, skip, async (from, n, ct) =>
            {
                var key = await collection.Find(listed & AtOrAfter(from)).Sort(NewestFirst).Skip(n).Limit(1)
                    .Project<User>(Builders<User>.Projection.Include(u => u.CreatedAt).Include(u => u.Id)).FirstOrDefaultAsync(ct);
                return key is null ? null : new ListingKey(key.CreatedAt, key.Id);
            }, cancellationToken);
            var page = await collection.Find(listed & AtOrAfter(anchor)).Sort(NewestFirst).Skip(offset).Limit(take)
                .ToListAsync(cancellationToken);
            return new CustomerPage(page, total, false, skip + page.Count < total);
        }

        var any = new List<FilterDefinition<User>>();
        if (filter.Keys.Count > 0)
        {
            any.Add(HoldsAnyKey(filter.Keys));
        }

        var broad = false;
        if (filter.Prefix is not null)
        {
            var prefix = new BsonRegularExpression("^" + Regex.Escape(filter.Prefix));
            var arms = new[]
            {
                Filter.Regex(MongoUserSerializer.UsernameKey, prefix), Filter.Regex(MongoUserSerializer.FirstNameKey, prefix),
                Filter.Regex(MongoUserSerializer.LastNameKey, prefix),
            };
            any.AddRange(arms);
            // Each arm is counted on its own prefix index, only up to the limit.
            foreach (var arm in arms)
            {
                broad |= await collection.CountDocumentsAsync(TenantFilter(tenant) & arm,
                    new CountOptions { Limit = CustomerFilter.BroadCountLimit + 1 }, cancellationToken) > CustomerFilter.BroadCountLimit;
            }
        }

        // Each branch of an $or has its own index (identity keys, username, first and last name prefixes) and carries
        // the tenant itself, so its index bounds are the application's whatever the planner does with outer predicates.
        var query = listed & (any.Count == 1 ? any[0] : Filter.Or(any.Select(branch => TenantFilter(tenant) & branch)));
        var options = broad ? new CountOptions { Limit = CustomerFilter.BroadCountLimit } : null;
        var matches = await collection.CountDocumentsAsync(query, options, cancellationToken);
        var items = await collection.Find(query).Sort(NewestFirst).Skip(skip).Limit(take + 1).ToListAsync(cancellationToken);
        var hasNext = items.Count > take;
        if (hasNext)
        {
            items.RemoveAt(items.Count - 1);
        }

        return broad
            ? new CustomerPage(items, Math.Max(matches, skip + items.Count + (hasNext ? 1 : 0)), true, hasNext)
            : new CustomerPage(items, matches, false, hasNext);
    }

    public async Task<IReadOnlyList<User>> FindByKeysAsync(Tenant tenant, IReadOnlyCollection<string> keys, int limit,
        CancellationToken cancellationToken) =>
        keys.Count == 0
            ? []
            : await collection.Find(TenantFilter(tenant) & HoldsAnyKey(keys))
                .Sort(Builders<User>.Sort.Descending(u => u.CreatedAt).Descending(u => u.Id))
                .Limit(limit).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<string>> InsertManyAsync(IReadOnlyList<User> users, CancellationToken cancellationToken)
    {
        if (users.Count == 0)
        {
            return [];
        }

        List<string> rejected = [];
        var notWritten = 0;
        try
        {
            await collection.BulkWriteAsync(users.Select(u => new InsertOneModel<User>(u)),
                new BulkWriteOptions { IsOrdered = false }, cancellationToken);
        }
        catch (MongoBulkWriteException<User> e) when (e.WriteErrors.All(w => w.Category == ServerErrorCategory.DuplicateKey))
        {
            // A user whose _id is stored is one this batch already wrote (a retried batch); the others lost a key.
            notWritten = e.WriteErrors.Count;
            var failed = e.WriteErrors.Select(w => users[w.Index].Id).ToList();
            var stored = (await collection.Find(TenantFilter(TenantOf(users[0])) & Filter.In(u => u.Id, failed)).ToListAsync(cancellationToken))
                .Select(u => u.Id).ToHashSet(StringComparer.Ordinal);
            rejected = failed.Where(id => !stored.Contains(id)).ToList();
        }

        // All users of a batch are new users of one application.
        await counts.AddNewAsync(TenantOf(users[0]), UserState.Live, users.Count - notWritten, cancellationToken);
        if (notWritten > rejected.Count)
        {
            // A batch written again after its run died: that run may have stopped between its users and their count.
            await counts.RecountNowAsync(TenantOf(users[0]), CancellationToken.None);
        }

        return rejected;
    }

    public async Task<IReadOnlyList<User>> ListByCreationAsync(Tenant tenant, UserState state, DateTime? from, DateTime to,
        (DateTime CreatedAt, string Id)? after, int take, CancellationToken cancellationToken)
    {
        // The "listing" index (company, application, state, created_at, _id) serves this keyset range.
        var query = TenantFilter(tenant) & Filter.Eq(u => u.State, state) & Filter.Lte(u => u.CreatedAt, to);
        if (from is { } f)
        {
            query &= Filter.Gte(u => u.CreatedAt, f);
        }

        if (after is { } a)
        {
            query &= Filter.Gt(u => u.CreatedAt, a.CreatedAt) |
                     (Filter.Eq(u => u.CreatedAt, a.CreatedAt) & Filter.Gt(u => u.Id, a.Id));
        }

        return await collection.Find(query)
            .Sort(Builders<User>.Sort.Ascending(u => u.CreatedAt).Ascending(u => u.Id))
            .Limit(take).ToListAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<User>> FindDeletedDueAsync(DateTime now, int limit, CancellationToken cancellationToken) =>
        await collection.Find(Filter.Eq(u => u.State, UserState.Deleted) & Filter.Lte(u => u.DeleteOn, now))
            .Sort(Builders<User>.Sort.Ascending(u => u.DeleteOn)).Limit(limit).ToListAsync(cancellationToken);

    private static readonly SortDefinition<User> NewestFirst =
        Builders<User>.Sort.Descending(u => u.CreatedAt).Descending(u => u.Id);

    private static Tenant TenantOf(User user) => new(user.CompanyId, user.ApplicationId);

    /// <summary>The listing from <paramref name="key"/> on (newest first, the key itself included); everything without a key.</summary>
    private static FilterDefinition<User> AtOrAfter(ListingKey? key) =>
        key is not { } at
            ? Filter.Empty
            : Filter.Lt(u => u.CreatedAt, at.CreatedAt) | (Filter.Eq(u => u.CreatedAt, at.CreatedAt) & Filter.Lte(u => u.Id, at.Id));

    private static FilterDefinition<User> TenantFilter(Tenant tenant) =>
        Filter.Eq(u => u.ApplicationId, tenant.ApplicationId) & Filter.Eq(u => u.CompanyId, tenant.CompanyId);

    /// <summary>
    /// <c>identity_keys: {$in: keys, $type: "string"}</c>: the <c>$type</c> repeats the partial filter of
    /// <c>identity_keys_unique_v2</c> so the planner may use that index (it cannot infer the filter from <c>$in</c>).
    /// </summary>
    private static FilterDefinition<User> HoldsAnyKey(IEnumerable<string> keys) =>
        new BsonDocumentFilterDefinition<User>(new BsonDocument("identity_keys", new BsonDocument
        {
            { "$in", new BsonArray(keys) },
            { "$type", "string" },
        }));

    /// <summary>
    /// The identity key a duplicate key error names (<c>... dup key: { application_id: "…", company_id: "…",
    /// identity_keys: "e:ada@example.com" }</c>), or null when the message does not hold it.
    /// </summary>
    internal static string? TakenKey(MongoException e)
    {
        var message = e is MongoWriteException w ? w.WriteError?.Message ?? e.Message : e.Message;
        var match = DupKey().Match(message);
        return match.Success ? System.Text.RegularExpressions.Regex.Unescape(match.Groups[1].Value) : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"identity_keys: ""((?:[^""\\]|\\.)*)""")]
    private static partial System.Text.RegularExpressions.Regex DupKey();
}
