using System.Text.RegularExpressions;
using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Attributes;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// Definitions in <c>user_attribute_definitions</c> (unique index on application, company, slug) and values in
/// <c>user_attributes</c> (unique on application, company, definition, user), each value holding its search terms as
/// arrays (<c>text_terms</c>, <c>number_terms</c>, <c>hash_terms</c>) with one multikey index per array prefixed by
/// application, company and definition. No transactions: a batch of values is one ordered bulk write of idempotent
/// upserts (a retry converges), a definition's values are deleted before the definition.
/// </summary>
internal sealed class MongoAttributeStore : IAttributeStore, IStoreInitializer
{
    private static readonly FilterDefinitionBuilder<AttributeDefinition> DefinitionFilter = Builders<AttributeDefinition>.Filter;
    private static readonly FilterDefinitionBuilder<UserAttribute> ValueFilter = Builders<UserAttribute>.Filter;
    private static readonly UpdateDefinitionBuilder<UserAttribute> ValueUpdate = Builders<UserAttribute>.Update;
    private static readonly ProjectionDefinition<UserAttribute, BsonDocument> UserIdOnly =
        Builders<UserAttribute>.Projection.Include(v => v.UserId).Exclude("_id");

    public static readonly MongoCollectionLayout DefinitionsLayout = new(
        "user_attribute_definitions",
        new BsonDocument { { "application_id", 1 }, { "company_id", 1 } },
        "An application has few definitions: nothing to split further.",
        [
            new("slug_unique", new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "slug", 1 } }, Unique: true),
            new("listing", new BsonDocument
            {
                { "application_id", 1 }, { "company_id", 1 }, { "pinned", -1 }, { "pin_order", 1 }, { "created_at", -1 },
            }),
        ],
        []);

    public static readonly MongoCollectionLayout ValuesLayout = new(
        "user_attributes",
        new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "definition_id", 1 }, { "user_id", 1 } },
        "Exactly the unique key: filters go by definition (targeted), and one definition's values split by user.",
        [
            new("definition_user_unique", new BsonDocument
            {
                { "application_id", 1 }, { "company_id", 1 }, { "definition_id", 1 }, { "user_id", 1 },
            }, Unique: true),
            new("user", new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "user_id", 1 }, { "created_at", 1 } }),
            new("text_terms", new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "definition_id", 1 }, { "text_terms", 1 } }),
            new("number_terms", new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "definition_id", 1 }, { "number_terms", 1 } }),
            new("hash_terms", new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "definition_id", 1 }, { "hash_terms", 1 } }),
            new("key_id", new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "key_id", 1 } }),
        ],
        []);

    private readonly MongoDatabaseProvider mongo;
    private readonly IMongoCollection<AttributeDefinition> definitions;
    private readonly IMongoCollection<UserAttribute> values;

    public MongoAttributeStore(MongoDatabaseProvider mongo)
    {
        MongoClassMaps.Register();
        this.mongo = mongo;
        definitions = mongo.Database.GetCollection<AttributeDefinition>(DefinitionsLayout.Collection);
        values = mongo.Database.GetCollection<UserAttribute>(ValuesLayout.Collection);
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.WhenAll(
        MongoIndexes.EnsureAsync(mongo, DefinitionsLayout, cancellationToken),
        MongoIndexes.EnsureAsync(mongo, ValuesLayout, cancellationToken));

    // ------------------------------------------------------------------ definitions

    public async Task InsertDefinitionAsync(AttributeDefinition definition, CancellationToken cancellationToken)
    {
        try
        {
            await definitions.InsertOneAsync(definition, cancellationToken: cancellationToken);
        }
        catch (MongoException e) when (MongoDatabaseProvider.IsDuplicateKey(e))
        {
            throw new DuplicateSlugException();
        }
    }

    public async Task<AttributeDefinition?> FindDefinitionAsync(Tenant tenant, string id, CancellationToken cancellationToken) =>
        await definitions.Find(DefinitionTenant(tenant) & DefinitionFilter.Eq(x => x.Id, id)).FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyList<AttributeDefinition>> FindDefinitionsAsync(Tenant tenant, IReadOnlyCollection<string> ids,
        CancellationToken cancellationToken) =>
        ids.Count == 0
            ? []
            : await definitions.Find(DefinitionTenant(tenant) & DefinitionFilter.In(x => x.Id, ids)).ToListAsync(cancellationToken);

    public async Task<AttributeDefinition?> FindDefinitionBySlugAsync(Tenant tenant, string slug, CancellationToken cancellationToken) =>
        await definitions.Find(DefinitionTenant(tenant) & DefinitionFilter.Eq(x => x.Slug, slug)).FirstOrDefaultAsync(cancellationToken);

    public async Task<(IReadOnlyList<AttributeDefinition> Items, long Total)> ListDefinitionsAsync(Tenant tenant, DefinitionFilter filter,
        int skip, int take, CancellationToken cancellationToken)
    {
        var f = DefinitionTenant(tenant);
        if (filter.ExcludingIds.Count > 0)
        {
            f &= DefinitionFilter.Nin(x => x.Id, filter.ExcludingIds);
        }

        f &= filter.Slug is null ? DefinitionFilter.Empty : DefinitionFilter.Eq(x => x.Slug, filter.Slug);
        f &= filter.Type is null ? DefinitionFilter.Empty : DefinitionFilter.Eq(x => x.Type, filter.Type);
        f &= filter.CustomerEditable is null ? DefinitionFilter.Empty : DefinitionFilter.Eq(x => x.CustomerEditable, filter.CustomerEditable.Value);
        f &= filter.Encrypted is null ? DefinitionFilter.Empty : DefinitionFilter.Eq(x => x.Encrypted, filter.Encrypted.Value);
        f &= filter.Pinned is null ? DefinitionFilter.Empty : DefinitionFilter.Eq(x => x.Pinned, filter.Pinned.Value);
        f &= filter.PinOrder is null ? DefinitionFilter.Empty : DefinitionFilter.Eq(x => x.PinOrder, filter.PinOrder);
        f &= filter.IsLocked is null ? DefinitionFilter.Empty : DefinitionFilter.Eq(x => x.IsLocked, filter.IsLocked.Value);
        f &= filter.Name is null
            ? DefinitionFilter.Empty
            : DefinitionFilter.Regex(x => x.Name, new BsonRegularExpression(Regex.Escape(filter.Name), "i"));

        // Definitions per application are few: sorted here so that pinned ones without a pin_order come after numbered ones.
        var all = await definitions.Find(f).ToListAsync(cancellationToken);
        var ordered = all.OrderByDescending(x => x.Pinned)
            .ThenBy(x => x.Pinned ? x.PinOrder ?? int.MaxValue : 0)
            .ThenByDescending(x => x.CreatedAt).ThenByDescending(x => x.Id, StringComparer.Ordinal)
            .Skip(skip).Take(take).ToList();
        return (ordered, all.Count);
    }

    public async Task<bool> ReplaceDefinitionAsync(AttributeDefinition definition, int expectedVersion, CancellationToken cancellationToken)
    {
        try
        {
            var result = await definitions.ReplaceOneAsync(
                DefinitionTenant(new Tenant(definition.CompanyId, definition.ApplicationId)) & DefinitionFilter.Eq(x => x.Id, definition.Id)
                & DefinitionFilter.Eq(x => x.Version, expectedVersion),
                definition, cancellationToken: cancellationToken);
            return result.ModifiedCount == 1;
        }
        catch (MongoException e) when (MongoDatabaseProvider.IsDuplicateKey(e))
        {
            throw new DuplicateSlugException();
        }
    }

    public async Task<bool> DeleteDefinitionAsync(Tenant tenant, string id, CancellationToken cancellationToken)
    {
        await MongoDatabaseProvider.RepeatOnTransientAsync(
            _ => values.DeleteManyAsync(ValueTenant(tenant) & ValueFilter.Eq(x => x.DefinitionId, id), cancellationToken), cancellationToken);
        var result = await definitions.DeleteOneAsync(DefinitionTenant(tenant) & DefinitionFilter.Eq(x => x.Id, id), cancellationToken);
        // A value written while the definition was being deleted goes too.
        await MongoDatabaseProvider.RepeatOnTransientAsync(
            _ => values.DeleteManyAsync(ValueTenant(tenant) & ValueFilter.Eq(x => x.DefinitionId, id), cancellationToken), cancellationToken);
        return result.DeletedCount == 1;
    }

    public async Task<bool> HasValuesAsync(Tenant tenant, string definitionId, CancellationToken cancellationToken) =>
        await values.Find(ValueTenant(tenant) & ValueFilter.Eq(x => x.DefinitionId, definitionId)).Project(UserIdOnly).Limit(1)
            .AnyAsync(cancellationToken);

    // ------------------------------------------------------------------ values

    public async Task<IReadOnlyList<UserAttribute>> UpsertValuesAsync(Tenant tenant, IReadOnlyList<UserAttribute> batch,
        CancellationToken cancellationToken)
    {
        var writes = batch.Select(v => (WriteModel<UserAttribute>)new UpdateOneModel<UserAttribute>(
            ValueTenant(tenant) & ValueFilter.Eq(x => x.DefinitionId, v.DefinitionId) & ValueFilter.Eq(x => x.UserId, v.UserId),
            ValueUpdate
                .SetOnInsert(x => x.Id, v.Id)
                .SetOnInsert(x => x.CreatedAt, v.CreatedAt)
                .Set(x => x.Type, v.Type)
                .Set(x => x.Value, v.Value)
                .Set(x => x.Cipher, v.Cipher)
                .Set(x => x.KeyId, v.KeyId)
                .Set(x => x.TextTerms, v.TextTerms)
                .Set(x => x.NumberTerms, v.NumberTerms)
                .Set(x => x.HashTerms, v.HashTerms)
                .Set(x => x.CustomerOverridden, v.CustomerOverridden)
                .Set(x => x.UpdatedBy, v.UpdatedBy)
                .Set(x => x.Hidden, false)
                .Set(x => x.UpdatedAt, v.UpdatedAt))
        {
            IsUpsert = true,
        }).ToList();
        await values.BulkWriteAsync(writes, new BulkWriteOptions { IsOrdered = true }, cancellationToken);

        var userIds = batch.Select(v => v.UserId).Distinct().ToList();
        var definitionIds = batch.Select(v => v.DefinitionId).Distinct().ToList();
        var stored = await values.Find(ValueTenant(tenant) & ValueFilter.In(x => x.UserId, userIds)
                                       & ValueFilter.In(x => x.DefinitionId, definitionIds))
            .ToListAsync(cancellationToken);
        return batch.Select(v => stored.First(s => s.UserId == v.UserId && s.DefinitionId == v.DefinitionId)).ToList();
    }

    public async Task<UserAttribute?> FindValueAsync(Tenant tenant, string definitionId, string userId, CancellationToken cancellationToken) =>
        await values.Find(ValueTenant(tenant) & ValueFilter.Eq(x => x.DefinitionId, definitionId) & ValueFilter.Eq(x => x.UserId, userId))
            .FirstOrDefaultAsync(cancellationToken);

    public async Task<UserAttribute?> FindValueByIdAsync(Tenant tenant, string id, CancellationToken cancellationToken) =>
        await values.Find(ValueTenant(tenant) & ValueFilter.Eq(x => x.Id, id)).FirstOrDefaultAsync(cancellationToken);

    public async Task<(IReadOnlyList<UserAttribute> Items, long Total)> ListValuesOfUserAsync(Tenant tenant, string userId, int skip,
        int take, CancellationToken cancellationToken)
    {
        var f = ValueTenant(tenant) & ValueFilter.Eq(x => x.UserId, userId);
        var items = await values.Find(f).SortBy(x => x.CreatedAt).ThenBy(x => x.Id).Skip(skip).Limit(take).ToListAsync(cancellationToken);
        var total = await values.CountDocumentsAsync(f, cancellationToken: cancellationToken);
        return (items, total);
    }

    public async Task<IReadOnlyList<UserAttribute>> FindValuesOfUsersAsync(Tenant tenant, IReadOnlyCollection<string> userIds,
        IReadOnlyCollection<string>? definitionIds, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0 || definitionIds is { Count: 0 })
        {
            return [];
        }

        var f = ValueTenant(tenant) & ValueFilter.In(x => x.UserId, userIds);
        if (definitionIds is not null)
        {
            f &= ValueFilter.In(x => x.DefinitionId, definitionIds);
        }

        var found = await values.Find(f).ToListAsync(cancellationToken);
        return found.OrderBy(x => x.UserId, StringComparer.Ordinal).ThenBy(x => x.CreatedAt).ThenBy(x => x.Id, StringComparer.Ordinal).ToList();
    }

    public async Task<long> DeleteValuesAsync(Tenant tenant, string userId, IReadOnlyCollection<string>? definitionIds,
        CancellationToken cancellationToken)
    {
        if (definitionIds is { Count: 0 })
        {
            return 0;
        }

        var f = ValueTenant(tenant) & ValueFilter.Eq(x => x.UserId, userId);
        if (definitionIds is not null)
        {
            f &= ValueFilter.In(x => x.DefinitionId, definitionIds);
        }

        return (await MongoDatabaseProvider.RepeatOnTransientAsync(_ => values.DeleteManyAsync(f, cancellationToken), cancellationToken))
            .DeletedCount;
    }

    public async Task SetHiddenAsync(Tenant tenant, string userId, bool hidden, CancellationToken cancellationToken) =>
        await MongoDatabaseProvider.RepeatOnTransientAsync(_ => values.UpdateManyAsync(
            ValueTenant(tenant) & ValueFilter.Eq(x => x.UserId, userId), ValueUpdate.Set(x => x.Hidden, hidden),
            cancellationToken: cancellationToken), cancellationToken);

    // ------------------------------------------------------------------ filtering

    /// <summary>
    /// Each condition is one query on its term index, reading user ids only; and/or joins the id sets. A negated
    /// condition is "users with a visible value of the definition" minus the positive match.
    /// </summary>
    public async Task<(IReadOnlyList<string> UserIds, long Total)> FindUserIdsAsync(Tenant tenant, StoreFilter filter, int skip, int take,
        CancellationToken cancellationToken)
    {
        if (filter.Conditions.Count == 0 || filter.UserIds is { Count: 0 })
        {
            return ([], 0);
        }

        HashSet<string>? result = null;
        foreach (var condition in filter.Conditions)
        {
            var visible = ValueTenant(tenant) & ValueFilter.Eq(x => x.DefinitionId, condition.DefinitionId) & ValueFilter.Eq(x => x.Hidden, false);
            if (filter.UserIds is not null)
            {
                visible &= ValueFilter.In(x => x.UserId, filter.UserIds);
            }

            var matched = await UserIdsAsync(visible & TermFilter(condition), cancellationToken);
            if (condition.Negated)
            {
                var holders = await UserIdsAsync(visible, cancellationToken);
                holders.ExceptWith(matched);
                matched = holders;
            }

            if (result is null)
            {
                result = matched;
            }
            else if (filter.MatchAll)
            {
                result.IntersectWith(matched);
            }
            else
            {
                result.UnionWith(matched);
            }
        }

        var ids = result!.Order(StringComparer.Ordinal).Skip(skip).Take(take).ToList();
        return (ids, result!.Count);
    }

    private async Task<HashSet<string>> UserIdsAsync(FilterDefinition<UserAttribute> filter, CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        using var cursor = await values.Find(filter).Project(UserIdOnly).ToCursorAsync(cancellationToken);
        while (await cursor.MoveNextAsync(cancellationToken))
        {
            foreach (var document in cursor.Current)
            {
                ids.Add(document["user_id"].AsString);
            }
        }

        return ids;
    }

    private static FilterDefinition<UserAttribute> TermFilter(StoreCondition condition)
    {
        var field = condition.Kind switch
        {
            TermKind.Number => "number_terms",
            TermKind.Hash => "hash_terms",
            _ => "text_terms",
        };
        BsonValue Operand(int i) => condition.Kind == TermKind.Number ? new BsonDouble(condition.Numbers[i]) : new BsonString(condition.Text[i]);
        var count = condition.Kind == TermKind.Number ? condition.Numbers.Count : condition.Text.Count;
        BsonDocument Op(string op, BsonValue value) => new(field, new BsonDocument(op, value));
        var document = condition.Match switch
        {
            TermMatch.In => Op("$in", new BsonArray(Enumerable.Range(0, count).Select(Operand))),
            TermMatch.Gt => Op("$gt", Operand(0)),
            TermMatch.Gte => Op("$gte", Operand(0)),
            TermMatch.Lt => Op("$lt", Operand(0)),
            TermMatch.Lte => Op("$lte", Operand(0)),
            TermMatch.Between => Op("$elemMatch", new BsonDocument { { "$gte", Operand(0) }, { "$lte", Operand(1) } }),
            TermMatch.Contains => Op("$regex", new BsonString(Regex.Escape(condition.Text[0]))),
            TermMatch.StartsWith => Op("$regex", new BsonString("^" + Regex.Escape(condition.Text[0]))),
            _ => Op("$regex", new BsonString(Regex.Escape(condition.Text[0]) + "$")),
        };
        return document;
    }

    // ------------------------------------------------------------------ re-encryption

    public async Task<IReadOnlyList<UserAttribute>> FindEncryptedNotUnderKeyAsync(Tenant tenant, string keyId, int limit,
        CancellationToken cancellationToken) =>
        await values.Find(ValueTenant(tenant) & ValueFilter.Ne(x => x.Cipher, null) & ValueFilter.Ne(x => x.KeyId, keyId))
            .Limit(limit).ToListAsync(cancellationToken);

    public async Task<bool> ReplaceCipherAsync(Tenant tenant, string id, string oldKeyId, string cipher, string keyId,
        CancellationToken cancellationToken)
    {
        var result = await values.UpdateOneAsync(
            ValueTenant(tenant) & ValueFilter.Eq(x => x.Id, id) & ValueFilter.Eq(x => x.KeyId, oldKeyId),
            ValueUpdate.Set(x => x.Cipher, cipher).Set(x => x.KeyId, keyId), cancellationToken: cancellationToken);
        return result.ModifiedCount == 1;
    }

    private static FilterDefinition<AttributeDefinition> DefinitionTenant(Tenant tenant) =>
        DefinitionFilter.Eq(x => x.ApplicationId, tenant.ApplicationId) & DefinitionFilter.Eq(x => x.CompanyId, tenant.CompanyId);

    private static FilterDefinition<UserAttribute> ValueTenant(Tenant tenant) =>
        ValueFilter.Eq(x => x.ApplicationId, tenant.ApplicationId) & ValueFilter.Eq(x => x.CompanyId, tenant.CompanyId);
}
