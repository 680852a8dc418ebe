using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Events;
using UserAuth.Api.Common;
using UserAuth.Api.Common.Jobs;
using UserAuth.Api.Features.Attributes;
using UserAuth.Api.Features.Auth;
using UserAuth.Api.Features.BulkJobs;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Groups;
using UserAuth.Api.Features.PlatformConfig;
using UserAuth.Api.Features.Sessions;
using UserAuth.Api.Storage;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.MongoDb;

/// <summary>
/// What only a real MongoDB can show (the wire emulator has no planner, no unique or TTL enforcement, no replica set):
/// run with USERAUTH_TEST_MONGODB pointing at a real server or where Testcontainers can start one, skipped with the
/// reason elsewhere. See docs/MONGODB.md, "Tests".
/// </summary>
[Collection(MongoCollection.Name)]
public sealed class MongoRealServerTests(MongoApiFixture fixture)
{
    private static readonly HashSet<string> Explainable = ["find", "aggregate", "count", "distinct", "update", "delete", "findAndModify"];

    private static readonly HashSet<string> NotForExplain =
    [
        "$db", "lsid", "$clusterTime", "txnNumber", "$readPreference", "readConcern", "writeConcern", "apiVersion", "apiStrict",
        "apiDeprecationErrors", "maxTimeMS",
    ];

    /// <summary>
    /// Every store method that queries, with the indexes its winning plan may use (of any collection it touches:
    /// <c>tenant_unique</c> is <c>user_counts</c>'s for users, which listing and state changes read and update, and
    /// <c>user_group_counters</c>' for groups, whose uid it allots).
    /// </summary>
    private static readonly Dictionary<string, string[]> Intended = new()
    {
        ["users.FindById"] = ["_id_"],
        ["users.FindByIds"] = ["_id_"],
        ["users.Replace"] = ["_id_", "tenant_unique"],
        ["users.List"] = ["listing_v2", "tenant_unique"],
        ["users.List(keys)"] = ["identity_keys_unique_v2"],
        ["users.List(keys or prefix)"] = ["identity_keys_unique_v2", "username_prefix_v2", "first_name_prefix_v2", "last_name_prefix_v2"],
        ["users.FindByKeys"] = ["identity_keys_unique_v2"],
        ["users.FindDeletedDue"] = ["delete_due"],
        ["users.InsertMany"] = ["tenant_unique", "_id_"],
        ["users.ListByCreation"] = ["listing_v2"],
        ["sessions.FindLiveBySidHash"] = ["sid_hash_unique_v2"],
        ["sessions.ListLive"] = ["user_sessions_v2"],
        ["sessions.Revoke"] = ["_id_", "user_sessions_v2"],
        ["sessions.RevokeAll"] = ["user_sessions_v2"],
        ["sessions.FindIdsByRevocation"] = ["user_sessions_v2"],
        ["sessions.Extend"] = ["_id_"],
        ["sessions.DeleteExpired"] = ["expires_at_ttl", "_id_"],
        ["configs.Find"] = ["tenant_unique_v2"],
        ["configs.FindLoginSettings"] = ["tenant_unique_v2"],
        ["configs.Replace"] = ["_id_", "tenant_unique_v2"],
        ["clients.FindByClientId"] = ["client_id_unique"],
        ["clients.Upsert"] = ["client_id_unique"],
        ["groups.Insert"] = ["tenant_unique"],
        ["groups.FindByUid"] = ["uid_unique"],
        ["groups.FindById"] = ["_id_"],
        ["groups.FindByUids"] = ["uid_unique"],
        ["groups.List"] = ["uid_unique", "type", "status"],
        ["groups.List(type)"] = ["type"],
        ["groups.ListByType"] = ["type"],
        ["groups.Replace"] = ["_id_"],
        ["groups.AddMembers"] = ["group_members_unique"],
        ["groups.RemoveMembers"] = ["group_members_unique"],
        ["groups.ListLiveMembers"] = ["group_members_unique", "_id_"],
        ["groups.FindUidsOfMember"] = ["member_groups"],
        ["jobs.Claim"] = ["claim"],
        ["jobs.Renew"] = ["_id_"],
        ["jobs.Release"] = ["_id_"],
        ["jobs.Complete"] = ["_id_"],
        ["jobs.FindBySubject"] = ["subject"],
        ["reports.Append"] = ["report_rows"],
        ["reports.Count"] = ["report_rows"],
        ["reports.Read"] = ["report_rows"],
        ["reports.Delete"] = ["report_rows"],
        ["attributes.FindDefinition"] = ["_id_"],
        ["attributes.FindDefinitions"] = ["_id_"],
        ["attributes.FindDefinitionBySlug"] = ["slug_unique"],
        ["attributes.ListDefinitions"] = ["listing", "slug_unique"],
        ["attributes.ReplaceDefinition"] = ["_id_"],
        ["attributes.HasValues"] = ["definition_user_unique", "text_terms", "number_terms", "hash_terms"],
        ["attributes.UpsertValues"] = ["definition_user_unique", "user"],
        ["attributes.FindValue"] = ["definition_user_unique"],
        ["attributes.FindValueById"] = ["_id_"],
        ["attributes.ListValuesOfUser"] = ["user"],
        ["attributes.FindValuesOfUsers"] = ["user", "definition_user_unique"],
        ["attributes.DeleteValues"] = ["user", "definition_user_unique"],
        ["attributes.SetHidden"] = ["user"],
        ["attributes.FindUserIds(text)"] = ["text_terms"],
        ["attributes.FindUserIds(number)"] = ["number_terms"],
        ["attributes.FindEncryptedNotUnderKey"] = ["key_id"],
        ["attributes.ReplaceCipher"] = ["_id_"],
        ["attributes.DeleteDefinition"] = ["_id_", "definition_user_unique", "text_terms", "number_terms", "hash_terms"],
        ["bulkJobs.Find"] = ["_id_"],
        ["bulkJobs.List"] = ["listing"],
        ["bulkJobs.List(search)"] = ["listing"],
        ["bulkJobs.Replace"] = ["_id_"],
        ["bulkJobs.FindFilesDue"] = ["files_due"],
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_query_of_every_store_uses_its_intended_index()
    {
        // On the emulator the scenario still runs and every store method must send its query; only explain is skipped.
        fixture.RequireStore();
        var label = "seed";
        var captured = new ConcurrentQueue<(string Label, BsonDocument Command)>();
        await using var adapter = await Adapter.CreateAsync(fixture.ConnectionString!, settings =>
            settings.ClusterConfigurator = cluster => cluster.Subscribe<CommandStartedEvent>(e =>
            {
                if (Explainable.Contains(e.CommandName))
                {
                    captured.Enqueue((label, e.Command.DeepClone().AsBsonDocument));
                }
            }));

        // Enough documents that a plan walking an application's range loses to the intended one.
        var now = DateTime.UtcNow;
        var tenant = new Tenant("1001", ObjectId.GenerateNewId().ToString());
        var users = new List<User>();
        for (var i = 0; i < 300; i++)
        {
            var user = NewUser(tenant, $"user{i:D4}", $"First{i:D4}", $"Last{i:D4}", now.AddSeconds(-i));
            if (i < 5)
            {
                user.State = UserState.Deleted;
                user.DeleteOn = now.AddDays(-1);
            }

            users.Add(user);
            await adapter.Users.InsertAsync(user, Ct);
        }

        var zed = NewUser(tenant, "zedkowski", "Zoltan", "Zeta", now.AddSeconds(-1000));
        await adapter.Users.InsertAsync(zed, Ct);
        for (var i = 0; i < 50; i++)
        {
            await adapter.Users.InsertAsync(NewUser(new Tenant("1001", ObjectId.GenerateNewId().ToString()), $"other{i}", "O", "P", now), Ct);
        }

        var owner = users[10];
        var sessions = new List<UserSession>();
        for (var i = 0; i < 240; i++)
        {
            var session = NewSession(tenant, i < 40 ? owner.Id : users[20 + i].Id, now.AddMinutes(-5 - i));
            sessions.Add(session);
            await adapter.Sessions.InsertAsync(session, Ct);
        }

        for (var i = 0; i < 30; i++)
        {
            Assert.True(await adapter.Configs.InsertAsync(PlatformConfigDocument.DefaultsFor(new Tenant("1001", ObjectId.GenerateNewId().ToString())), Ct));
        }

        var config = PlatformConfigDocument.DefaultsFor(tenant);
        Assert.True(await adapter.Configs.InsertAsync(config, Ct));

        async Task Run(string name, Func<Task> operation)
        {
            label = name;
            await operation();
            label = "seed";
        }

        var key = users[42].IdentityKeys.First(k => k.Contains('@', StringComparison.Ordinal));
        await Run("users.FindById", () => adapter.Users.FindByIdAsync(tenant, users[7].Id, Ct));
        await Run("users.FindByIds", () => adapter.Users.FindByIdsAsync(tenant, [users[7].Id, users[8].Id], Ct));
        var changed = users[9];
        changed.FirstName = "Changed";
        changed.Version++;
        await Run("users.Replace", () => adapter.Users.ReplaceAsync(changed, changed.Version - 1, Ct));
        await Run("users.List", () => adapter.Users.ListAsync(tenant, CustomerFilter.All, 20, 10, Ct));
        await Run("users.List(keys)", () => adapter.Users.ListAsync(tenant, new CustomerFilter([key], null), 0, 10, Ct));
        await Run("users.List(keys or prefix)", () => adapter.Users.ListAsync(tenant, new CustomerFilter([key], "zed"), 0, 10, Ct));
        await Run("users.FindByKeys", () => adapter.Users.FindByKeysAsync(tenant, [key, "username:nobody"], 10, Ct));
        await Run("users.FindDeletedDue", () => adapter.Users.FindDeletedDueAsync(now, 10, Ct));
        await Run("users.InsertMany", () => adapter.Users.InsertManyAsync(
            [NewUser(tenant, "bulk1", "Bulk", "One", now), NewUser(tenant, "bulk2", "Bulk", "Two", now)], Ct));
        await Run("users.ListByCreation", () => adapter.Users.ListByCreationAsync(tenant, UserState.Live, now.AddSeconds(-200), now,
            (now.AddSeconds(-150), users[150].Id), 10, Ct));

        var revocation = new SessionRevocation(Ids.New(), now, "tests", "explain");
        await Run("sessions.FindLiveBySidHash", () => adapter.Sessions.FindLiveBySidHashAsync(tenant, sessions[100].SidHash, now, Ct));
        await Run("sessions.ListLive", () => adapter.Sessions.ListLiveAsync(tenant, owner.Id, now, 10, Ct));
        await Run("sessions.Revoke", () => adapter.Sessions.RevokeAsync(tenant, owner.Id, sessions[0].Id, revocation, Ct));
        await Run("sessions.RevokeAll", () => adapter.Sessions.RevokeAllAsync(tenant, owner.Id, revocation, Ct));
        await Run("sessions.FindIdsByRevocation", () => adapter.Sessions.FindIdsByRevocationAsync(tenant, owner.Id, revocation.Id, Ct));
        await Run("sessions.Extend", () => adapter.Sessions.ExtendAsync(tenant, sessions[120].Id, now.AddDays(3), now, Ct));
        await Run("sessions.DeleteExpired", () => adapter.Sessions.DeleteExpiredAsync(now.AddYears(-1), 10, Ct));

        await Run("configs.Find", () => adapter.Configs.FindAsync(tenant, Ct));
        await Run("configs.FindLoginSettings", () => adapter.Configs.FindLoginSettingsAsync(tenant, Ct));
        config.Version = 1;
        await Run("configs.Replace", () => adapter.Configs.ReplaceAsync(config, 0, Ct));

        await Run("clients.Upsert", () => adapter.Clients.UpsertAsync(new ApiClient
        {
            Id = Ids.New(), ClientId = "explain-client", SecretHash = "x", CompanyId = "1001", CreatedAt = now, UpdatedAt = now,
        }, Ct));
        await Run("clients.FindByClientId", () => adapter.Clients.FindByClientIdAsync("explain-client", Ct));

        for (var i = 0; i < 60; i++)
        {
            await adapter.Groups.InsertAsync(NewGroup(tenant, i % 3 == 0 ? "conditional" : "bulk"), Ct);
        }

        var group = NewGroup(tenant, "bulk");
        await Run("groups.Insert", () => adapter.Groups.InsertAsync(group, Ct));
        await adapter.Groups.AddMembersAsync(tenant, 3, users.Take(100).Select(u => u.Id).ToList(), Ct);
        await Run("groups.FindByUid", () => adapter.Groups.FindByUidAsync(tenant, group.Uid, Ct));
        await Run("groups.FindById", () => adapter.Groups.FindByIdAsync(tenant, group.Id, Ct));
        await Run("groups.FindByUids", () => adapter.Groups.FindByUidsAsync(tenant, [1, 2, group.Uid], Ct));
        await Run("groups.List", () => adapter.Groups.ListAsync(tenant, new GroupFilter(null, null, null, null), 0, 10, Ct));
        await Run("groups.List(type)", () => adapter.Groups.ListAsync(tenant, new GroupFilter(null, "conditional", null, null), 0, 10, Ct));
        await Run("groups.ListByType", () => adapter.Groups.ListByTypeAsync(tenant, "conditional", 10, Ct));
        group.Version++;
        await Run("groups.Replace", () => adapter.Groups.ReplaceAsync(group, group.Version - 1, Ct));
        await Run("groups.AddMembers", () => adapter.Groups.AddMembersAsync(tenant, group.Uid, [users[1].Id, users[2].Id], Ct));
        await Run("groups.RemoveMembers", () => adapter.Groups.RemoveMembersAsync(tenant, group.Uid, [users[1].Id], Ct));
        await Run("groups.ListLiveMembers", () => adapter.Groups.ListLiveMembersAsync(tenant, group.Uid, 0, 10, Ct));
        await Run("groups.FindUidsOfMember", () => adapter.Groups.FindUidsOfMemberAsync(tenant, users[2].Id, Ct));

        for (var i = 0; i < 50; i++)
        {
            await adapter.Jobs.EnqueueAsync(NewJob(tenant, i % 2 == 0 ? "user_group" : "bulk_import", now.AddMinutes(i)), Ct);
        }

        var job = NewJob(tenant, "user_group", now.AddMinutes(-1));
        await adapter.Jobs.EnqueueAsync(job, Ct);
        QueuedJob? claimed = null;
        await Run("jobs.Claim", async () => claimed = await adapter.Jobs.ClaimAsync(["user_group"], "tests", now, now.AddMinutes(1), Ct));
        Assert.NotNull(claimed);
        await Run("jobs.Renew", () => adapter.Jobs.RenewAsync(claimed!.Id, "tests", now.AddMinutes(2), 5, Ct));
        await Run("jobs.Release", () => adapter.Jobs.ReleaseAsync(claimed!.Id, "tests", now, "retry", Ct));
        await Run("jobs.Complete", () => adapter.Jobs.CompleteAsync(claimed!.Id, "someone else", Ct));
        await Run("jobs.FindBySubject", () => adapter.Jobs.FindBySubjectAsync("user_group", tenant, job.SubjectId, Ct));

        for (var r = 0; r < 5; r++)
        {
            await adapter.Reports.AppendAsync(tenant, $"report{r}", Enumerable.Range(1, 50).Select(n => new ErrorReportRow(n, "a,b", "bad")).ToList(), Ct);
        }

        await Run("reports.Append", () => adapter.Reports.AppendAsync(tenant, "report1", [new ErrorReportRow(7, "c,d", "worse")], Ct));
        await Run("reports.Count", () => adapter.Reports.CountAsync(tenant, "report2", Ct));
        await Run("reports.Read", () => adapter.Reports.ReadAsync(tenant, "report2", 10, 10, Ct));
        await Run("reports.Delete", () => adapter.Reports.DeleteAsync(tenant, "report3", Ct));

        var text = NewDefinition(tenant, "colour", AttributeTypes.String);
        var number = NewDefinition(tenant, "visits", AttributeTypes.Number);
        var secret = NewDefinition(tenant, "secret", AttributeTypes.String);
        var spare = NewDefinition(tenant, "spare", AttributeTypes.String);
        foreach (var definition in new[] { text, number, secret, spare })
        {
            await adapter.Attributes.InsertDefinitionAsync(definition, Ct);
        }

        var values = users.Take(200).SelectMany((u, i) => new[]
        {
            NewValue(tenant, text, u.Id, v => v.TextTerms = [i % 7 == 0 ? "red" : "blue"]),
            NewValue(tenant, number, u.Id, v => v.NumberTerms = [i]),
            NewValue(tenant, secret, u.Id, v =>
            {
                v.Cipher = "cipher";
                v.KeyId = i < 5 ? "old-key" : "new-key";
                v.HashTerms = [$"h{i}"];
            }),
            NewValue(tenant, spare, u.Id, v => v.TextTerms = ["x"]),
        }).ToList();
        await adapter.Attributes.UpsertValuesAsync(tenant, values, Ct);
        var one = await adapter.Attributes.FindValueAsync(tenant, secret.Id, users[1].Id, Ct);
        await Run("attributes.FindDefinition", () => adapter.Attributes.FindDefinitionAsync(tenant, text.Id, Ct));
        await Run("attributes.FindDefinitions", () => adapter.Attributes.FindDefinitionsAsync(tenant, [text.Id, number.Id], Ct));
        await Run("attributes.FindDefinitionBySlug", () => adapter.Attributes.FindDefinitionBySlugAsync(tenant, number.Slug, Ct));
        await Run("attributes.ListDefinitions", () => adapter.Attributes.ListDefinitionsAsync(tenant, new DefinitionFilter(), 0, 10, Ct));
        text.Version++;
        await Run("attributes.ReplaceDefinition", () => adapter.Attributes.ReplaceDefinitionAsync(text, text.Version - 1, Ct));
        await Run("attributes.HasValues", () => adapter.Attributes.HasValuesAsync(tenant, number.Id, Ct));
        await Run("attributes.UpsertValues", () => adapter.Attributes.UpsertValuesAsync(tenant,
            [NewValue(tenant, text, users[3].Id, v => v.TextTerms = ["green"])], Ct));
        await Run("attributes.FindValue", () => adapter.Attributes.FindValueAsync(tenant, text.Id, users[4].Id, Ct));
        await Run("attributes.FindValueById", () => adapter.Attributes.FindValueByIdAsync(tenant, one!.Id, Ct));
        await Run("attributes.ListValuesOfUser", () => adapter.Attributes.ListValuesOfUserAsync(tenant, users[5].Id, 0, 10, Ct));
        await Run("attributes.FindValuesOfUsers", () => adapter.Attributes.FindValuesOfUsersAsync(tenant, [users[5].Id, users[6].Id], null, Ct));
        await Run("attributes.DeleteValues", () => adapter.Attributes.DeleteValuesAsync(tenant, users[6].Id, [spare.Id], Ct));
        await Run("attributes.SetHidden", () => adapter.Attributes.SetHiddenAsync(tenant, users[7].Id, true, Ct));
        await Run("attributes.FindUserIds(text)", () => adapter.Attributes.FindUserIdsAsync(tenant, new StoreFilter(true,
            [new StoreCondition(text.Id, TermKind.Text, TermMatch.In, false, ["red"], [])]), 0, 10, Ct));
        await Run("attributes.FindUserIds(number)", () => adapter.Attributes.FindUserIdsAsync(tenant, new StoreFilter(true,
            [new StoreCondition(number.Id, TermKind.Number, TermMatch.Gt, false, [], [190])]), 0, 10, Ct));
        await Run("attributes.FindEncryptedNotUnderKey", () => adapter.Attributes.FindEncryptedNotUnderKeyAsync(tenant, "new-key", 10, Ct));
        await Run("attributes.ReplaceCipher", () => adapter.Attributes.ReplaceCipherAsync(tenant, one!.Id, one.KeyId!, "cipher2", "new-key", Ct));
        await Run("attributes.DeleteDefinition", () => adapter.Attributes.DeleteDefinitionAsync(tenant, spare.Id, Ct));

        for (var i = 0; i < 60; i++)
        {
            var done = NewBulkJob(tenant, i % 2 == 0 ? JobAction.Import : JobAction.Export, JobStatus.Completed, now.AddMinutes(-i));
            done.FilesExpireAt = i < 3 ? now.AddMinutes(-1) : now.AddDays(i);
            await adapter.BulkJobs.InsertAsync(done, Ct);
            await adapter.BulkJobs.InsertAsync(NewBulkJob(new Tenant("1001", ObjectId.GenerateNewId().ToString()), JobAction.Import,
                JobStatus.Completed, now.AddMinutes(-i)), Ct);
        }

        var bulkJob = NewBulkJob(tenant, JobAction.Import, JobStatus.Pending, now.AddMinutes(-90));
        await adapter.BulkJobs.InsertAsync(bulkJob, Ct);
        await Run("bulkJobs.Find", () => adapter.BulkJobs.FindAsync(tenant, bulkJob.Id, Ct));
        await Run("bulkJobs.List", () => adapter.BulkJobs.ListAsync(tenant,
            new BulkJobQuery(JobAction.Import, JobStatus.Completed, JobFileFormat.Csv, now.AddDays(-1), now, null), 0, 10, Ct));
        await Run("bulkJobs.List(search)", () => adapter.BulkJobs.ListAsync(tenant,
            new BulkJobQuery(JobAction.Import, null, null, null, null, bulkJob.Id), 0, 10, Ct));
        bulkJob.Version = 1;
        bulkJob.Status = JobStatus.Running;
        await Run("bulkJobs.Replace", () => adapter.BulkJobs.ReplaceAsync(bulkJob, 0, Ct));
        await Run("bulkJobs.FindFilesDue", () => adapter.BulkJobs.FindFilesDueAsync(now, 10, Ct));

        var explained = captured.Where(c => c.Label != "seed").ToList();
        Assert.Equal(Intended.Keys.Order(), explained.Select(c => c.Label).Distinct().Order());
        fixture.RequireRealServer("have a query planner (no explain)");
        var failures = new List<string>();
        foreach (var (name, command) in explained)
        {
            var explain = new BsonDocument
            {
                { "explain", new BsonDocument(command.Where(e => !NotForExplain.Contains(e.Name))) },
                { "verbosity", "queryPlanner" },
            };
            var result = await adapter.Mongo.Database.RunCommandAsync<BsonDocument>(explain, cancellationToken: Ct);
            var stages = WinningStages(result);
            var indexes = stages.Select(IndexOf).OfType<string>().Distinct().ToList();
            var names = string.Join(" > ", stages.Select(s => s["stage"].AsString));
            // A $lookup run inside the plan (EQ_LOOKUP) must use an index of the foreign collection, not scan it.
            var scans = stages.Any(s => s["stage"] == "COLLSCAN" ||
                                        (s["stage"] == "EQ_LOOKUP" && s.GetValue("strategy", "").ToString() != "IndexedLoopJoin"));
            if (scans || indexes.Count == 0 || indexes.Except(Intended[name]).Any())
            {
                failures.Add($"{name}: plan {names} on [{string.Join(", ", indexes)}], intended [{string.Join(", ", Intended[name])}]; " +
                             $"command {Truncate(command.ToJson())}");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task Identity_keys_stay_unique_under_concurrent_creates()
    {
        fixture.RequireRealServer("enforce unique indexes");
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var email = $"race_{Guid.NewGuid():N}@example.com";

        var responses = await Task.WhenAll(Enumerable.Range(0, 12)
            .Select(_ => http.PostAsync($"{Http.App(app)}/customers", Http.Json(Build.User(email: email)), Ct)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var store = fixture.Services.GetRequiredService<IUserStore>();
        Assert.Single(await store.FindByKeysAsync(new Tenant("1001", app), [IdentityKeys.Email(email)], 10, Ct));
    }

    [Fact]
    public async Task The_ttl_index_removes_expired_sessions()
    {
        fixture.RequireRealServer("run a TTL monitor");
        var admin = new MongoClient(fixture.ConnectionString).GetDatabase("admin");
        BsonValue previous;
        try
        {
            previous = (await admin.RunCommandAsync<BsonDocument>(new BsonDocument { { "getParameter", 1 }, { "ttlMonitorSleepSecs", 1 } },
                cancellationToken: Ct))["ttlMonitorSleepSecs"];
            await admin.RunCommandAsync<BsonDocument>(new BsonDocument { { "setParameter", 1 }, { "ttlMonitorSleepSecs", 1 } }, cancellationToken: Ct);
        }
        catch (MongoException e)
        {
            Assert.Skip($"This server does not let the test lower ttlMonitorSleepSecs ({e.Message.Split('\n')[0]}), so TTL expiry " +
                        "would take a minute or more: too slow for CI.");
            return;
        }

        try
        {
            var store = fixture.Services.GetRequiredService<ISessionStore>();
            var tenant = new Tenant("1001", ApiFixture.NewApplicationId());
            var session = NewSession(tenant, Ids.New(), DateTime.UtcNow.AddMinutes(-1), TimeSpan.FromSeconds(61));
            await store.InsertAsync(session, Ct);
            var sessions = fixture.Services.GetRequiredService<MongoDatabaseProvider>().Database.GetCollection<BsonDocument>("user_sessions");

            // Before 7.0 a new sleep takes effect after the current one (SERVER-70055): up to a minute more.
            var deadline = DateTime.UtcNow.AddSeconds(75);
            while (await sessions.CountDocumentsAsync(new BsonDocument("_id", ObjectId.Parse(session.Id)), cancellationToken: Ct) > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the TTL monitor did not remove an expired session within 75 s");
                await Task.Delay(250, Ct);
            }
        }
        finally
        {
            await admin.RunCommandAsync<BsonDocument>(new BsonDocument { { "setParameter", 1 }, { "ttlMonitorSleepSecs", previous } },
                cancellationToken: CancellationToken.None);
        }
    }

    [Fact]
    public async Task RevokeAll_converges_through_a_primary_stepdown()
    {
        fixture.RequireRealServer("run a replica set");
        var admin = new MongoClient(fixture.ConnectionString).GetDatabase("admin");
        var hello = await admin.RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), cancellationToken: Ct);
        var members = hello.GetValue("hosts", new BsonArray()).AsBsonArray.Count;
        if (!hello.Contains("setName") || members < 2)
        {
            Assert.Skip(hello.Contains("setName")
                ? $"Needs a replica set with an electable secondary to fail over to; this one has {members} member(s) (Testcontainers starts one)."
                : "Needs a replica set to fail over; this server is not one.");
        }

        await using var adapter = await Adapter.CreateAsync(fixture.ConnectionString!);
        var tenant = new Tenant("1001", ApiFixture.NewApplicationId());
        var user = Ids.New();
        var now = DateTime.UtcNow;
        var raw = adapter.Mongo.Database.GetCollection<UserSession>(MongoSessionStore.Layout.Collection);
        const int Count = 20_000;
        for (var batch = 0; batch < Count / 1000; batch++)
        {
            await raw.InsertManyAsync(Enumerable.Range(0, 1000).Select(_ => NewSession(tenant, user, now.AddMinutes(-1))), cancellationToken: Ct);
        }

        var revocation = new SessionRevocation(Ids.New(), now, "tests", "failover");
        var revoke = adapter.Sessions.RevokeAllAsync(tenant, user, revocation, Ct);
        await Task.Delay(30, Ct);
        try
        {
            await admin.RunCommandAsync<BsonDocument>(new BsonDocument { { "replSetStepDown", 10 }, { "force", true } }, cancellationToken: Ct);
        }
        catch (MongoException)
        {
            // The stepping-down primary closes client connections, this one included.
        }

        Assert.Equal(Count, await revoke);
        Assert.Empty(await adapter.Sessions.ListLiveAsync(tenant, user, now, 10, Ct));
        Assert.Equal(Count, (await adapter.Sessions.FindIdsByRevocationAsync(tenant, user, revocation.Id, Ct)).Count);
    }

    [Fact]
    public async Task A_sharded_cluster_takes_the_documented_shard_keys_and_every_index()
    {
        fixture.RequireRealServer("shard");
        var client = new MongoClient(fixture.ConnectionString);
        var admin = client.GetDatabase("admin");
        var hello = await admin.RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), cancellationToken: Ct);
        if (hello.GetValue("msg", "").ToString() != "isdbgrid")
        {
            Assert.Skip("Needs a sharded cluster (USERAUTH_TEST_MONGODB pointing at a mongos); this server is not a mongos.");
        }

        var database = "userauth_shard_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            var settings = ApiFactory.BaseSettings();
            settings["Storage:Provider"] = "MongoDb";
            settings["Storage:MongoDb:ConnectionString"] = fixture.ConnectionString;
            settings["Storage:MongoDb:Database"] = database;
            using (var first = new ApiFactory(settings))
            {
                _ = first.Server;
            }

            await admin.RunCommandAsync<BsonDocument>(new BsonDocument("enableSharding", database), cancellationToken: Ct);
            foreach (var layout in MongoLayouts.All.Where(l => l.ShardKey is not null))
            {
                await admin.RunCommandAsync<BsonDocument>(new BsonDocument
                {
                    { "shardCollection", $"{database}.{layout.Collection}" },
                    { "key", layout.ShardKey },
                }, cancellationToken: Ct);
            }

            using var second = new ApiFactory(settings);
            var http = second.CreateClient();
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
                await ApiFixture.TokenAsync(second.CreateClient(), TestClients.Main));
            var app = ApiFixture.NewApplicationId();
            var email = $"shard_{Guid.NewGuid():N}@example.com";
            await http.PostJsonAsync($"{Http.App(app)}/customers", Build.User(email: email));
            await http.PostJsonAsync($"{Http.App(app)}/customers", Build.User(email: email), HttpStatusCode.Conflict);
        }
        finally
        {
            await client.DropDatabaseAsync(database, CancellationToken.None);
        }
    }

    private static string Truncate(string text) => text.Length <= 400 ? text : text[..400] + "...";

    private static List<BsonDocument> WinningStages(BsonDocument explain)
    {
        var stages = new List<BsonDocument>();
        void Collect(BsonValue value)
        {
            if (value is BsonDocument document)
            {
                if (document.TryGetValue("stage", out var stage) && stage.IsString)
                {
                    stages.Add(document);
                }

                foreach (var element in document.Elements.Where(e => e.Name != "rejectedPlans"))
                {
                    Collect(element.Value);
                }
            }
            else if (value is BsonArray array)
            {
                foreach (var item in array)
                {
                    Collect(item);
                }
            }
        }

        void Find(BsonValue value)
        {
            if (value is BsonDocument document)
            {
                foreach (var element in document.Elements.Where(e => e.Name != "rejectedPlans"))
                {
                    if (element.Name == "winningPlan")
                    {
                        Collect(element.Value);
                    }
                    else
                    {
                        Find(element.Value);
                    }
                }
            }
            else if (value is BsonArray array)
            {
                foreach (var item in array)
                {
                    Find(item);
                }
            }
        }

        Find(explain);
        return stages;
    }

    private static string? IndexOf(BsonDocument stage) => stage["stage"].AsString switch
    {
        "IDHACK" or "EXPRESS_IDHACK" or "EXPRESS_CLUSTERED_IXSCAN" => "_id_",
        _ => stage.TryGetValue("indexName", out var name) && name.IsString ? name.AsString : null,
    };

    private static User NewUser(Tenant tenant, string username, string firstName, string lastName, DateTime createdAt) =>
        Build.StoredUser(tenant, Build.Username(username), Build.Email(username), firstName: firstName, lastName: lastName, createdAt: createdAt);

    private static UserGroup NewGroup(Tenant tenant, string type) => new()
    {
        Id = Ids.New(),
        CompanyId = tenant.CompanyId,
        ApplicationId = tenant.ApplicationId,
        Name = "Group " + Guid.NewGuid().ToString("N")[..6],
        NameLc = "group",
        Type = type,
        CreatedAt = DateTime.UtcNow,
        ModifiedAt = DateTime.UtcNow,
    };

    private static AttributeDefinition NewDefinition(Tenant tenant, string slug, string type) => new()
    {
        Id = Ids.New(),
        CompanyId = tenant.CompanyId,
        ApplicationId = tenant.ApplicationId,
        Name = slug,
        Slug = slug,
        Type = type,
        CreatedBy = "tests",
        UpdatedBy = "tests",
        CreatedAt = DateTime.UtcNow,
    };

    private static UserAttribute NewValue(Tenant tenant, AttributeDefinition definition, string userId, Action<UserAttribute> set)
    {
        var value = new UserAttribute
        {
            Id = Ids.New(),
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            DefinitionId = definition.Id,
            UserId = userId,
            Type = definition.Type,
            Value = "v",
            UpdatedBy = "tests",
            CreatedAt = DateTime.UtcNow,
            UpdatedAt = DateTime.UtcNow,
        };
        set(value);
        return value;
    }

    private static BulkJob NewBulkJob(Tenant tenant, string action, string status, DateTime createdAt) => new()
    {
        Id = Ids.New(),
        CompanyId = tenant.CompanyId,
        ApplicationId = tenant.ApplicationId,
        ActionType = action,
        Status = status,
        FileFormat = JobFileFormat.Csv,
        FileName = $"users-{createdAt:HHmmss}.csv",
        CreatedBy = "tests",
        SnapshotAt = createdAt,
        CreatedAt = createdAt,
        UpdatedAt = createdAt,
    };

    private static QueuedJob NewJob(Tenant tenant, string kind, DateTime availableAt) => new()
    {
        Kind = kind,
        CompanyId = tenant.CompanyId,
        ApplicationId = tenant.ApplicationId,
        SubjectId = Ids.New(),
        RunId = Ids.New(),
        AvailableAt = availableAt,
        EnqueuedAt = availableAt,
    };

    private static UserSession NewSession(Tenant tenant, string userId, DateTime createdAt, TimeSpan? lifetime = null) => new()
    {
        Id = Ids.New(),
        CompanyId = tenant.CompanyId,
        ApplicationId = tenant.ApplicationId,
        UserId = userId,
        SidHash = SessionCookies.Hash(SessionCookies.NewSid()),
        Domain = "shop.example.com",
        Ip = "192.0.2.1",
        UserAgent = "tests",
        MaxAge = (long)(lifetime ?? TimeSpan.FromDays(1)).TotalSeconds,
        CreatedAt = createdAt,
        ExpiresAt = createdAt + (lifetime ?? TimeSpan.FromDays(1)),
    };

    /// <summary>The four MongoDB stores over a database of their own, dropped afterwards.</summary>
    private sealed class Adapter : IAsyncDisposable
    {
        private Adapter(MongoDatabaseProvider mongo, string database)
        {
            Mongo = mongo;
            DatabaseName = database;
            Users = new MongoUserStore(mongo, new ListingBoundaries());
            Sessions = new MongoSessionStore(mongo);
            Configs = new MongoPlatformConfigStore(mongo);
            Clients = new MongoApiClientStore(mongo);
            Groups = new MongoUserGroupStore(mongo);
            Jobs = new MongoJobQueueStore(mongo);
            Reports = new MongoErrorReportStore(mongo);
            Attributes = new MongoAttributeStore(mongo);
            BulkJobs = new MongoBulkJobStore(mongo);
        }

        public MongoDatabaseProvider Mongo { get; }

        public string DatabaseName { get; }

        public MongoUserStore Users { get; }

        public MongoSessionStore Sessions { get; }

        public MongoPlatformConfigStore Configs { get; }

        public MongoApiClientStore Clients { get; }

        public MongoUserGroupStore Groups { get; }

        public MongoJobQueueStore Jobs { get; }

        public MongoErrorReportStore Reports { get; }

        public MongoAttributeStore Attributes { get; }

        public MongoBulkJobStore BulkJobs { get; }

        public static async Task<Adapter> CreateAsync(string connectionString, Action<MongoClientSettings>? configure = null)
        {
            var options = new StorageOptions { Provider = StorageProvider.MongoDb };
            options.MongoDb.ConnectionString = connectionString;
            options.MongoDb.Database = "userauth_real_" + Guid.NewGuid().ToString("N")[..12];
            var mongo = new MongoDatabaseProvider(Microsoft.Extensions.Options.Options.Create(options), NullLoggerFactory.Instance, configure);
            var adapter = new Adapter(mongo, options.MongoDb.Database);
            await mongo.PingAsync(CancellationToken.None);
            foreach (IStoreInitializer store in new IStoreInitializer[]
                     {
                         adapter.Users, adapter.Sessions, adapter.Configs, adapter.Clients, adapter.Groups, adapter.Jobs, adapter.Reports,
                         adapter.Attributes, adapter.BulkJobs,
                     })
            {
                await store.InitializeAsync(CancellationToken.None);
            }

            return adapter;
        }

        public async ValueTask DisposeAsync()
        {
            await Mongo.Client.DropDatabaseAsync(DatabaseName);
            Mongo.Client.Dispose();
        }
    }
}
