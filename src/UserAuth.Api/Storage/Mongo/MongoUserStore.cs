using System.Text.RegularExpressions;
using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// Users in one collection. A unique multikey index on (company, application, identity_keys), partial on
/// documents that hold keys, makes username, emails and phones unique per application among live and deleted users.
/// </summary>
internal sealed class MongoUserStore : IUserStore, IStoreInitializer
{
    private static readonly FilterDefinitionBuilder<User> Filter = Builders<User>.Filter;
    private static readonly UserState[] Listed = [UserState.Live, UserState.Deleted];
    private readonly IMongoCollection<User> collection;

    public MongoUserStore(MongoDatabaseProvider mongo)
    {
        MongoClassMaps.Register();
        collection = mongo.Database.GetCollection<User>("users");
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var keys = Builders<User>.IndexKeys;
        await collection.Indexes.CreateManyAsync(
        [
            new CreateIndexModel<User>(
                keys.Ascending(u => u.CompanyId).Ascending(u => u.ApplicationId).Ascending(u => u.IdentityKeys),
                new CreateIndexOptions<User>
                {
                    Name = "identity_keys_unique",
                    Unique = true,
                    PartialFilterExpression = Filter.Type(u => u.IdentityKeys, BsonType.String),
                }),
            new CreateIndexModel<User>(
                keys.Ascending(u => u.CompanyId).Ascending(u => u.ApplicationId).Ascending(u => u.State)
                    .Descending(u => u.CreatedAt).Descending(u => u.Id),
                new CreateIndexOptions { Name = "listing" }),
            new CreateIndexModel<User>(
                keys.Ascending(u => u.CompanyId).Ascending(u => u.ApplicationId).Ascending(u => u.UsernameLc),
                new CreateIndexOptions { Name = "username_prefix" }),
            new CreateIndexModel<User>(
                keys.Ascending(u => u.CompanyId).Ascending(u => u.ApplicationId).Ascending(u => u.FirstNameLc),
                new CreateIndexOptions { Name = "first_name_prefix" }),
            new CreateIndexModel<User>(
                keys.Ascending(u => u.CompanyId).Ascending(u => u.ApplicationId).Ascending(u => u.LastNameLc),
                new CreateIndexOptions { Name = "last_name_prefix" }),
            new CreateIndexModel<User>(
                keys.Ascending(u => u.State).Ascending(u => u.DeleteOn),
                new CreateIndexOptions { Name = "delete_due" }),
        ], cancellationToken);
    }

    public async Task InsertAsync(User user, CancellationToken cancellationToken)
    {
        try
        {
            await collection.InsertOneAsync(user, cancellationToken: cancellationToken);
        }
        catch (MongoException e) when (MongoDatabaseProvider.IsDuplicateKey(e))
        {
            throw new IdentityTakenException();
        }
    }

    public async Task<bool> ReplaceAsync(User user, int expectedVersion, CancellationToken cancellationToken)
    {
        try
        {
            var result = await collection.ReplaceOneAsync(
                TenantFilter(new Tenant(user.CompanyId, user.ApplicationId)) & Filter.Eq(u => u.Id, user.Id) &
                Filter.Eq(u => u.Version, expectedVersion),
                user, cancellationToken: cancellationToken);
            return result.MatchedCount == 1;
        }
        catch (MongoException e) when (MongoDatabaseProvider.IsDuplicateKey(e))
        {
            throw new IdentityTakenException();
        }
    }

    public async Task<User?> FindByIdAsync(Tenant tenant, string id, CancellationToken cancellationToken) =>
        await collection.Find(TenantFilter(tenant) & Filter.Eq(u => u.Id, id)).FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyList<User>> FindByIdsAsync(Tenant tenant, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        ids.Count == 0 ? [] : await collection.Find(TenantFilter(tenant) & Filter.In(u => u.Id, ids)).ToListAsync(cancellationToken);

    public async Task<(IReadOnlyList<User> Items, long Total)> ListAsync(Tenant tenant, CustomerFilter filter, int skip, int take,
        CancellationToken cancellationToken)
    {
        var query = TenantFilter(tenant) & Filter.In(u => u.State, Listed);
        if (!filter.IsEmpty)
        {
            var any = new List<FilterDefinition<User>>();
            if (filter.Keys.Count > 0)
            {
                any.Add(Filter.AnyIn(u => u.IdentityKeys, filter.Keys));
            }

            if (filter.Prefix is not null)
            {
                var prefix = new BsonRegularExpression("^" + Regex.Escape(filter.Prefix));
                any.Add(Filter.Regex(u => u.UsernameLc, prefix));
                any.Add(Filter.Regex(u => u.FirstNameLc, prefix));
                any.Add(Filter.Regex(u => u.LastNameLc, prefix));
            }

            query &= Filter.Or(any);
        }

        var items = await collection.Find(query)
            .Sort(Builders<User>.Sort.Descending(u => u.CreatedAt).Descending(u => u.Id))
            .Skip(skip).Limit(take)
            .ToListAsync(cancellationToken);
        var total = await collection.CountDocumentsAsync(query, cancellationToken: cancellationToken);
        return (items, total);
    }

    public async Task<IReadOnlyList<User>> FindByKeysAsync(Tenant tenant, IReadOnlyCollection<string> keys, int limit,
        CancellationToken cancellationToken) =>
        keys.Count == 0
            ? []
            : await collection.Find(TenantFilter(tenant) & Filter.AnyIn(u => u.IdentityKeys, keys))
                .Sort(Builders<User>.Sort.Descending(u => u.CreatedAt).Descending(u => u.Id))
                .Limit(limit).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<User>> FindDeletedDueAsync(DateTime now, int limit, CancellationToken cancellationToken) =>
        await collection.Find(Filter.Eq(u => u.State, UserState.Deleted) & Filter.Lte(u => u.DeleteOn, now))
            .Sort(Builders<User>.Sort.Ascending(u => u.DeleteOn)).Limit(limit).ToListAsync(cancellationToken);

    private static FilterDefinition<User> TenantFilter(Tenant tenant) =>
        Filter.Eq(u => u.CompanyId, tenant.CompanyId) & Filter.Eq(u => u.ApplicationId, tenant.ApplicationId);
}
