using System.Text.RegularExpressions;
using MongoDB.Bson;
using MongoDB.Bson.Serialization.Attributes;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Groups;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// Groups in <c>user_groups</c>; uids from <c>user_group_counters</c>, one document per application incremented
/// atomically with <c>findOneAndUpdate $inc</c> (upserted; a unique index on the tenant makes a racing first upsert
/// fail with a duplicate key, and it is retried); members of bulk groups in <c>user_group_members</c>. Member reads
/// <c>$lookup</c> the user to keep only live users. Every index starts with <c>application_id</c>.
/// </summary>
internal sealed class MongoUserGroupStore : IUserGroupStore, IStoreInitializer
{
    private static readonly FilterDefinitionBuilder<UserGroup> Filter = Builders<UserGroup>.Filter;
    private static readonly FilterDefinitionBuilder<MemberDocument> Members = Builders<MemberDocument>.Filter;
    public static readonly MongoCollectionLayout GroupsLayout = new(
        "user_groups",
        new BsonDocument { { "application_id", 1 }, { "company_id", 1 } },
        "Groups of one application are few (read by uid, listed by type or status): nothing to split further.",
        [
            new("uid_unique", new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "uid", -1 } }, Unique: true),
            new("type", new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "type", 1 }, { "uid", -1 } }),
            new("status", new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "status", 1 }, { "uid", -1 } }),
        ],
        []);

    public static readonly MongoCollectionLayout CountersLayout = new(
        "user_group_counters",
        new BsonDocument { { "application_id", 1 }, { "company_id", 1 } },
        "One uid counter per application.",
        [
            new("tenant_unique", new BsonDocument { { "application_id", 1 }, { "company_id", 1 } }, Unique: true),
        ],
        []);

    public static readonly MongoCollectionLayout MembersLayout = new(
        "user_group_members",
        new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "group_uid", 1 }, { "user_id", 1 } },
        "A group's members are read by group; with user_id last even one very large group splits into many chunks.",
        [
            new("group_members_unique",
                new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "group_uid", 1 }, { "user_id", 1 } }, Unique: true),
            new("member_groups",
                new BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "user_id", 1 }, { "group_uid", 1 } }),
        ],
        []);

    private readonly MongoDatabaseProvider mongo;
    private readonly IMongoCollection<UserGroup> groups;
    private readonly IMongoCollection<CounterDocument> counters;
    private readonly IMongoCollection<MemberDocument> members;

    public MongoUserGroupStore(MongoDatabaseProvider mongo)
    {
        MongoClassMaps.Register();
        this.mongo = mongo;
        groups = mongo.Database.GetCollection<UserGroup>(GroupsLayout.Collection);
        counters = mongo.Database.GetCollection<CounterDocument>(CountersLayout.Collection);
        members = mongo.Database.GetCollection<MemberDocument>(MembersLayout.Collection);
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.WhenAll(
        MongoIndexes.EnsureAsync(mongo, GroupsLayout, cancellationToken),
        MongoIndexes.EnsureAsync(mongo, CountersLayout, cancellationToken),
        MongoIndexes.EnsureAsync(mongo, MembersLayout, cancellationToken));

    public async Task<long> InsertAsync(UserGroup group, CancellationToken cancellationToken)
    {
        group.Uid = await NextUidAsync(group.ApplicationId, group.CompanyId, cancellationToken);
        await groups.InsertOneAsync(group, cancellationToken: cancellationToken);
        return group.Uid;
    }

    private async Task<long> NextUidAsync(string applicationId, string companyId, CancellationToken cancellationToken)
    {
        var filter = Builders<CounterDocument>.Filter.Eq(c => c.ApplicationId, applicationId) &
                     Builders<CounterDocument>.Filter.Eq(c => c.CompanyId, companyId);
        var update = Builders<CounterDocument>.Update.Inc(c => c.LastUid, 1).SetOnInsert(c => c.Id, Ids.New());
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var counter = await counters.FindOneAndUpdateAsync(filter, update,
                    new FindOneAndUpdateOptions<CounterDocument> { IsUpsert = true, ReturnDocument = ReturnDocument.After },
                    cancellationToken);
                return counter.LastUid;
            }
            catch (MongoException e) when (MongoDatabaseProvider.IsDuplicateKey(e) && attempt < 3)
            {
                // Two first upserts raced; the other one created the counter: increment it.
            }
        }
    }

    public async Task<UserGroup?> FindByUidAsync(Tenant tenant, long uid, CancellationToken cancellationToken) =>
        await groups.Find(TenantFilter(tenant) & Filter.Eq(g => g.Uid, uid)).FirstOrDefaultAsync(cancellationToken);

    public async Task<UserGroup?> FindByIdAsync(Tenant tenant, string id, CancellationToken cancellationToken) =>
        await groups.Find(Filter.Eq(g => g.Id, id) & TenantFilter(tenant)).FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyList<UserGroup>> FindByUidsAsync(Tenant tenant, IReadOnlyCollection<long> uids,
        CancellationToken cancellationToken) =>
        uids.Count == 0
            ? []
            : await groups.Find(TenantFilter(tenant) & Filter.In(g => g.Uid, uids)).Sort(Builders<UserGroup>.Sort.Ascending(g => g.Uid))
                .ToListAsync(cancellationToken);

    public async Task<(IReadOnlyList<UserGroup> Items, long Total)> ListAsync(Tenant tenant, GroupFilter filter, int skip, int take,
        CancellationToken cancellationToken)
    {
        var query = TenantFilter(tenant);
        if (filter.Type is not null)
        {
            query &= Filter.Eq(g => g.Type, filter.Type);
        }

        if (filter.Status is not null)
        {
            query &= Filter.Eq(g => g.Status, filter.Status);
        }

        if (filter.Uid is not null)
        {
            query &= Filter.Eq(g => g.Uid, filter.Uid.Value);
        }

        if (filter.NameContains is not null)
        {
            query &= Filter.Regex(g => g.NameLc, new BsonRegularExpression(Regex.Escape(filter.NameContains)));
        }

        var items = await groups.Find(query).Sort(Builders<UserGroup>.Sort.Descending(g => g.Uid)).Skip(skip).Limit(take)
            .ToListAsync(cancellationToken);
        var total = await groups.CountDocumentsAsync(query, cancellationToken: cancellationToken);
        return (items, total);
    }

    public async Task<IReadOnlyList<UserGroup>> ListByTypeAsync(Tenant tenant, string type, int limit, CancellationToken cancellationToken) =>
        await groups.Find(TenantFilter(tenant) & Filter.Eq(g => g.Type, type)).Sort(Builders<UserGroup>.Sort.Ascending(g => g.Uid))
            .Limit(limit).ToListAsync(cancellationToken);

    public async Task<bool> ReplaceAsync(UserGroup group, int expectedVersion, CancellationToken cancellationToken)
    {
        var result = await groups.ReplaceOneAsync(
            Filter.Eq(g => g.Id, group.Id) & TenantFilter(new Tenant(group.CompanyId, group.ApplicationId)) &
            Filter.Eq(g => g.Version, expectedVersion),
            group, cancellationToken: cancellationToken);
        return result.MatchedCount == 1;
    }

    public async Task AddMembersAsync(Tenant tenant, long uid, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return;
        }

        var writes = userIds.Select(userId => new UpdateOneModel<MemberDocument>(
            MemberFilter(tenant, uid) & Members.Eq(m => m.UserId, userId),
            Builders<MemberDocument>.Update.SetOnInsert(m => m.Id, Ids.New()))
        { IsUpsert = true });
        await members.BulkWriteAsync(writes, new BulkWriteOptions { IsOrdered = false }, cancellationToken);
    }

    public async Task RemoveMembersAsync(Tenant tenant, long uid, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        if (userIds.Count > 0)
        {
            await MongoDatabaseProvider.RepeatOnTransientAsync(
                _ => members.DeleteManyAsync(MemberFilter(tenant, uid) & Members.In(m => m.UserId, userIds), cancellationToken),
                cancellationToken);
        }
    }

    public async Task<(IReadOnlyList<string> UserIds, long Total)> ListLiveMembersAsync(Tenant tenant, long uid, int skip, int take,
        CancellationToken cancellationToken)
    {
        // The member index gives the group's members in user id order; $lookup reads each user by _id.
        var live = members.Aggregate()
            .Match(MemberFilter(tenant, uid))
            .Sort(Builders<MemberDocument>.Sort.Ascending(m => m.UserId))
            .AppendStage<BsonDocument>(new BsonDocument("$lookup", new BsonDocument
            {
                { "from", MongoUserStore.Layout.Collection },
                { "localField", "user_id" },
                { "foreignField", "_id" },
                { "as", "user" },
            }))
            .Match(new BsonDocument("user.state", UserState.Live.ToString()));
        var page = await live.Skip(skip).Limit(take).Project(new BsonDocument("user_id", 1)).ToListAsync(cancellationToken);
        var counted = await live.Count().FirstOrDefaultAsync(cancellationToken);
        return (page.Select(d => d["user_id"].AsObjectId.ToString()).ToList(), counted?.Count ?? 0);
    }

    public async Task<IReadOnlyList<string>> FindLiveMembersAmongAsync(Tenant tenant, long uid, IReadOnlyCollection<string> userIds,
        CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return [];
        }

        // One query on the member index (application, company, group, user id in the list); $lookup reads each member's
        // user by _id for its state.
        var found = await members.Aggregate()
            .Match(MemberFilter(tenant, uid) & Members.In(m => m.UserId, userIds))
            .Sort(Builders<MemberDocument>.Sort.Ascending(m => m.UserId))
            .AppendStage<BsonDocument>(new BsonDocument("$lookup", new BsonDocument
            {
                { "from", MongoUserStore.Layout.Collection },
                { "localField", "user_id" },
                { "foreignField", "_id" },
                { "as", "user" },
            }))
            .Match(new BsonDocument("user.state", UserState.Live.ToString()))
            .Project(new BsonDocument("user_id", 1))
            .ToListAsync(cancellationToken);
        return found.Select(d => d["user_id"].AsObjectId.ToString()).ToList();
    }

    public async Task<IReadOnlyList<long>> FindUidsOfMemberAsync(Tenant tenant, string userId, CancellationToken cancellationToken)
    {
        var found = await members.Find(Members.Eq(m => m.ApplicationId, tenant.ApplicationId) &
                                       Members.Eq(m => m.CompanyId, tenant.CompanyId) & Members.Eq(m => m.UserId, userId))
            .Sort(Builders<MemberDocument>.Sort.Ascending(m => m.GroupUid)).ToListAsync(cancellationToken);
        return found.Select(m => m.GroupUid).ToList();
    }

    private static FilterDefinition<UserGroup> TenantFilter(Tenant tenant) =>
        Filter.Eq(g => g.ApplicationId, tenant.ApplicationId) & Filter.Eq(g => g.CompanyId, tenant.CompanyId);

    private static FilterDefinition<MemberDocument> MemberFilter(Tenant tenant, long uid) =>
        Members.Eq(m => m.ApplicationId, tenant.ApplicationId) & Members.Eq(m => m.CompanyId, tenant.CompanyId) &
        Members.Eq(m => m.GroupUid, uid);

    /// <summary>One application's last allotted uid.</summary>
    internal sealed class CounterDocument
    {
        public string Id { get; set; } = "";

        public string ApplicationId { get; set; } = "";

        public string CompanyId { get; set; } = "";

        public long LastUid { get; set; }
    }

    /// <summary>A user listed by a bulk group; <c>user_id</c> is an ObjectId like the user's <c>_id</c>.</summary>
    internal sealed class MemberDocument
    {
        public string Id { get; set; } = "";

        public string ApplicationId { get; set; } = "";

        public string CompanyId { get; set; } = "";

        public long GroupUid { get; set; }

        [BsonRepresentation(BsonType.ObjectId)]
        public string UserId { get; set; } = "";
    }
}
