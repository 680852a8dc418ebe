using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Audit;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// Audit records and timeline events in <c>audit_entries</c>, one document per record with an ObjectId <c>_id</c>
/// (so a record appended twice is one document), written field by field (this store's own shape). A TTL index on
/// <c>expires_at</c> removes expired records; events have no <c>expires_at</c> and stay.
/// </summary>
internal sealed class MongoAuditStore : IAuditStore, IStoreInitializer
{
    public static readonly MongoCollectionLayout Layout = new(
        "audit_entries",
        new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "user_id", 1 } },
        "A user's trail and timeline are read by user: one shard; a large application's records spread over users.",
        [
            new("audit_by_kind", new BsonDocument
            {
                { "application_id", 1 }, { "company_id", 1 }, { "kind", 1 }, { "at", -1 }, { "_id", -1 },
            }),
            new("audit_by_user", new BsonDocument
            {
                { "application_id", 1 }, { "company_id", 1 }, { "user_id", 1 }, { "kind", 1 }, { "at", -1 }, { "_id", -1 },
            }),
            new("expires_at_ttl", new BsonDocument("expires_at", 1), ExpireAfter: TimeSpan.Zero,
                NoShardKeyPrefixBecause: "a TTL index must have a single field; each shard's TTL monitor uses its own"),
        ],
        []);

    private static readonly FilterDefinitionBuilder<BsonDocument> Filter = Builders<BsonDocument>.Filter;
    private readonly MongoDatabaseProvider mongo;
    private readonly IMongoCollection<BsonDocument> collection;

    public MongoAuditStore(MongoDatabaseProvider mongo)
    {
        this.mongo = mongo;
        collection = mongo.Database.GetCollection<BsonDocument>(Layout.Collection);
    }

    public bool ExpiresByItself => true;

    public Task InitializeAsync(CancellationToken cancellationToken) => MongoIndexes.EnsureAsync(mongo, Layout, cancellationToken);

    public async Task AppendAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return;
        }

        // Upserts on _id: a batch repeated after a transient error leaves one document per record.
        var writes = entries.Select(e => new ReplaceOneModel<BsonDocument>(Filter.Eq("_id", ObjectId.Parse(e.Id)), ToDocument(e))
        {
            IsUpsert = true,
        });
        await MongoDatabaseProvider.RepeatOnTransientAsync(
            _ => collection.BulkWriteAsync(writes, new BulkWriteOptions { IsOrdered = false }, cancellationToken), cancellationToken);
    }

    public async Task<AuditWriteAhead> WriteAheadAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken)
    {
        await AppendAsync(entries, cancellationToken);
        return AuditWriteAhead.Stored;
    }

    public async Task ReplaceAsync(IReadOnlyCollection<AuditEntry> entries, IReadOnlyCollection<AuditEntry> remove,
        CancellationToken cancellationToken)
    {
        // The final records first (replacing the written-ahead ones of the same id), then the leftovers go: a crash in
        // between leaves a record too many, never one too few.
        await AppendAsync(entries, cancellationToken);
        var kept = entries.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var obsolete = remove.Where(r => !kept.Contains(r.Id)).ToList();
        if (obsolete.Count > 0)
        {
            var filter = Filter.Or(obsolete.Select(r =>
                Filter.Eq("_id", ObjectId.Parse(r.Id)) & Filter.Eq("application_id", r.ApplicationId) & Filter.Eq("company_id", r.CompanyId)));
            await MongoDatabaseProvider.RepeatOnTransientAsync(
                _ => collection.DeleteManyAsync(filter, cancellationToken), cancellationToken);
        }
    }

    public async Task<AuditPage> ListAsync(Tenant tenant, string kind, string? userId, int skip, int limit,
        CancellationToken cancellationToken)
    {
        var filter = TenantFilter(tenant) & Filter.Eq("kind", kind);
        if (userId is not null)
        {
            filter &= Filter.Eq("user_id", userId);
        }

        var total = await collection.CountDocumentsAsync(filter, cancellationToken: cancellationToken);
        var found = await collection.Find(filter)
            .Sort(Builders<BsonDocument>.Sort.Descending("at").Descending("_id"))
            .Skip(skip).Limit(limit).ToListAsync(cancellationToken);
        return new AuditPage(found.Select(FromDocument).ToList(), total);
    }

    public async Task<IReadOnlyList<AuditEntry>> EventsOfAsync(Tenant tenant, string userId, CancellationToken cancellationToken)
    {
        var found = await collection.Find(TenantFilter(tenant) & Filter.Eq("user_id", userId) & Filter.Eq("kind", AuditKinds.Event))
            .Sort(Builders<BsonDocument>.Sort.Ascending("at").Ascending("_id")).ToListAsync(cancellationToken);
        return found.Select(FromDocument).ToList();
    }

    public async Task ClearEventSubTitlesAsync(Tenant tenant, string userId, CancellationToken cancellationToken) =>
        await MongoDatabaseProvider.RepeatOnTransientAsync(_ => collection.UpdateManyAsync(
            TenantFilter(tenant) & Filter.Eq("user_id", userId) & Filter.Eq("kind", AuditKinds.Event),
            Builders<BsonDocument>.Update.Unset("sub_title"), cancellationToken: cancellationToken), cancellationToken);

    public Task<int> DeleteExpiredAsync(DateTime now, int limit, CancellationToken cancellationToken) => Task.FromResult(0);

    private static FilterDefinition<BsonDocument> TenantFilter(Tenant tenant) =>
        Filter.Eq("application_id", tenant.ApplicationId) & Filter.Eq("company_id", tenant.CompanyId);

    private static BsonDocument ToDocument(AuditEntry e)
    {
        var document = new BsonDocument
        {
            { "_id", ObjectId.Parse(e.Id) },
            { "application_id", e.ApplicationId },
            { "company_id", e.CompanyId },
            { "user_id", e.UserId },
            { "kind", e.Kind },
            { "at", e.At },
        };
        if (e.ExpiresAt is { } expires)
        {
            document.Add("expires_at", expires);
        }

        if (e.Kind == AuditKinds.Event)
        {
            document.Add("event_type", e.EventType);
            document.Add("title", e.Title);
            if (e.SubTitle is not null)
            {
                document.Add("sub_title", e.SubTitle);
            }

            document.Add("visible", e.Visible);
            return document;
        }

        document.Add("client_id", e.ClientId);
        document.Add("method", e.Method);
        document.Add("operation", e.Operation);
        document.Add("request_id", e.RequestId);
        document.Add("status", e.Status);
        document.Add("resources", new BsonArray(e.Resources.Select(r => new BsonDocument { { "name", r.Name }, { "id", r.Id } })));
        document.Add("changes", new BsonArray(e.Changes.Select(c => new BsonDocument { { "field", c.Field }, { "value", c.Value } })));
        return document;
    }

    private static AuditEntry FromDocument(BsonDocument d) => new()
    {
        Id = d["_id"].AsObjectId.ToString(),
        ApplicationId = d["application_id"].AsString,
        CompanyId = d["company_id"].AsString,
        UserId = d.GetValue("user_id", "").AsString,
        Kind = d["kind"].AsString,
        At = d["at"].ToUniversalTime(),
        ExpiresAt = d.TryGetValue("expires_at", out var expires) ? expires.ToUniversalTime() : null,
        ClientId = d.GetValue("client_id", "").AsString,
        Method = d.GetValue("method", "").AsString,
        Operation = d.GetValue("operation", "").AsString,
        RequestId = d.GetValue("request_id", "").AsString,
        Status = d.GetValue("status", 0).ToInt32(),
        Resources = d.GetValue("resources", new BsonArray()).AsBsonArray
            .Select(r => new AuditResource(r["name"].AsString, r["id"].AsString)).ToList(),
        Changes = d.GetValue("changes", new BsonArray()).AsBsonArray
            .Select(c => new AuditChange(c["field"].AsString, c["value"].AsString)).ToList(),
        EventType = d.GetValue("event_type", "").AsString,
        Title = d.GetValue("title", "").AsString,
        SubTitle = d.TryGetValue("sub_title", out var sub) && !sub.IsBsonNull ? sub.AsString : null,
        Visible = d.GetValue("visible", true).ToBoolean(),
    };
}
