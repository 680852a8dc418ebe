using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Audit;
using UserAuth.Api.Storage.Sqlite;
using UserAuth.Tests.Auth;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Audit;

/// <summary>
/// Issue 14, company-wide writes in the audit trail: the five writes of the company's API clients (scope client:admin)
/// are recorded like an application's writes, and read with getCompanyAuditTrail, through HTTP, against each store.
/// The suite's tests share the store (one collection, run one after another), so each test names its own clients and
/// looks at their records; the company trail holds the records of the other client tests too.
/// </summary>
public abstract class CompanyAuditApiTests(ApiFixture fixture)
{
    private const string Trail = "/service/platform/user/v1.0/company/1001/audit";
    private static readonly string[] ClientOperations =
        ["createApiClient", "updateApiClient", "rotateApiClientSecret", "disableApiClient", "enableApiClient"];

    private static string NewClientId() => "audited-" + Guid.NewGuid().ToString("N")[..12];

    private static string ClientPath(string clientId) => $"{ApiClientsApiTests.ClientsPath}/{clientId}";

    private static async Task<(List<JsonElement> Items, long Total)> PageAsync(HttpClient http, int pageSize = 100, int pageNo = 1)
    {
        var page = await http.GetJsonAsync($"{Trail}?page_size={pageSize}&page_no={pageNo}");
        Http.AssertNoNulls(page);
        return (page.GetProperty("items").EnumerateArray().ToList(), page.GetProperty("page").GetProperty("item_total").GetInt64());
    }

    /// <summary>The records of one client, newest first (the first 100 records of the company's trail).</summary>
    private static async Task<List<JsonElement>> RecordsOfAsync(HttpClient http, string clientId) =>
        (await PageAsync(http)).Items.Where(r => r.GetProperty("resource_ids").EnumerateArray()
            .Any(x => x.GetProperty("name").GetString() == "client_id" && x.GetProperty("id").GetString() == clientId)).ToList();

    private static Dictionary<string, string> Changes(JsonElement record) =>
        record.GetProperty("changes").EnumerateArray().ToDictionary(c => c.GetProperty("field").GetString()!, c => c.GetProperty("value").GetString()!);

    [Fact]
    public async Task Each_client_write_records_who_what_when_from_where_and_what_changed_never_a_secret()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var id = NewClientId();
        var before = DateTime.UtcNow.AddSeconds(-1);
        var created = await admin.PostJsonAsync(ApiClientsApiTests.ClientsPath,
            new { client_id = id, description = "dashboard", scopes = new[] { "user:read" } }, HttpStatusCode.Created);
        var secrets = new List<string> { created.GetProperty("client_secret").GetString()! };
        await admin.PutJsonAsync(ClientPath(id), new { description = "dashboard v2", scopes = new[] { "user:read" }, requests_per_second = 50 });
        secrets.Add((await admin.PostJsonAsync($"{ClientPath(id)}/secret", new { grace_seconds = 5 })).GetProperty("client_secret").GetString()!);
        await admin.PostJsonAsync($"{ClientPath(id)}/disable", new { });
        await admin.PostJsonAsync($"{ClientPath(id)}/enable", new { });

        var records = await RecordsOfAsync(admin, id);
        Assert.Equal(Enumerable.Reverse(ClientOperations), records.Select(r => r.GetProperty("operation").GetString()));
        Assert.Equal(["POST", "POST", "POST", "PUT", "POST"], records.Select(r => r.GetProperty("method").GetString()));
        Assert.Equal([200, 200, 200, 200, 201], records.Select(r => r.GetProperty("status").GetInt32()));
        Assert.Equal(5, records.Select(r => r.GetProperty("request_id").GetString()).Distinct().Count());
        foreach (var record in records)
        {
            Assert.Equal(TestClients.Admin.ClientId, record.GetProperty("client_id").GetString());
            Assert.False(string.IsNullOrWhiteSpace(record.GetProperty("request_id").GetString()));
            Assert.False(record.TryGetProperty("user_id", out _));
            Assert.InRange(DateTime.Parse(record.GetProperty("at").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal),
                before, DateTime.UtcNow.AddSeconds(1));
            Assert.Equal([$"client_id={id}"], record.GetProperty("resource_ids").EnumerateArray()
                .Select(x => $"{x.GetProperty("name").GetString()}={x.GetProperty("id").GetString()}"));
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, record.GetRawText(), StringComparison.Ordinal);
            }

            Assert.DoesNotContain("pbkdf2", record.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain("secret_hash", record.GetRawText(), StringComparison.Ordinal);
        }

        Assert.Equal(new Dictionary<string, string> { ["client_id"] = id, ["description"] = "dashboard", ["scopes"] = """["user:read"]""" },
            Changes(records[4]));
        // The update sent the scopes as they were: only the description and the limit changed.
        Assert.Equal(new Dictionary<string, string> { ["description"] = "dashboard v2", ["requests_per_second"] = "50" }, Changes(records[3]));
        Assert.Equal(new Dictionary<string, string> { ["grace_seconds"] = "5" }, Changes(records[2]));
        Assert.Empty(Changes(records[1]));
        Assert.Empty(Changes(records[0]));

        // Company-wide records are in no application's trail, and kept for Audit:RetentionDays like the others.
        var stored = await fixture.Services.GetRequiredService<IAuditStore>()
            .ListAsync(new Tenant("1001", AuditEntry.CompanyWide), AuditKinds.Request, null, 0, 100, CancellationToken.None);
        var mine = stored.Items.Where(e => e.Resources.Contains(new AuditResource("client_id", id))).ToList();
        Assert.Equal(5, mine.Count);
        Assert.All(mine, e => Assert.Equal(e.At.AddDays(365), e.ExpiresAt!.Value, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task A_client_created_without_an_id_is_named_by_the_answer_and_no_secret_sent_or_answered_is_kept()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var created = await admin.PostJsonAsync(ApiClientsApiTests.ClientsPath, new { client_secret = "chosen-by-the-caller", secret = "x-secret" },
            HttpStatusCode.Created);
        var id = created.GetProperty("client").GetProperty("client_id").GetString()!;
        var record = Assert.Single(await RecordsOfAsync(admin, id));
        Assert.Equal("createApiClient", record.GetProperty("operation").GetString());
        Assert.DoesNotContain(created.GetProperty("client_secret").GetString()!, record.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("chosen-by-the-caller", record.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("x-secret", record.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_that_changes_nothing_names_no_field()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var (id, _) = await ApiClientsApiTests.CreateAsync(admin, new { client_id = NewClientId(), description = "same", scopes = new[] { "user:read" } });
        await admin.PutJsonAsync(ClientPath(id), new { description = "same", scopes = new[] { "user:read" }, requests_per_second = 0 });
        await admin.PutJsonAsync(ClientPath(id), new { scopes = new[] { "user:read", "user:write" } });

        var records = await RecordsOfAsync(admin, id);
        Assert.Equal(["updateApiClient", "updateApiClient", "createApiClient"], records.Select(r => r.GetProperty("operation").GetString()));
        Assert.Equal(new Dictionary<string, string> { ["scopes"] = """["user:read","user:write"]""" }, Changes(records[0]));
        Assert.Empty(Changes(records[1]));
    }

    [Fact]
    public async Task Refused_and_failed_client_writes_leave_no_record()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var (id, _) = await ApiClientsApiTests.CreateAsync(admin, new { client_id = NewClientId() });
        var (_, total) = await PageAsync(admin, pageSize: 1);

        var missing = NewClientId();
        Http.AssertError(await admin.PostJsonAsync(ApiClientsApiTests.ClientsPath, new { client_id = id }, HttpStatusCode.Conflict), "client_id_taken");
        await admin.PutJsonAsync(ClientPath(missing), new { description = "x" }, HttpStatusCode.NotFound);
        await admin.PostJsonAsync($"{ClientPath(missing)}/secret", new { }, HttpStatusCode.NotFound);
        await admin.PostJsonAsync($"{ClientPath(missing)}/disable", new { }, HttpStatusCode.NotFound);
        await admin.PostJsonAsync(ApiClientsApiTests.ClientsPath, new { client_id = "x" }, HttpStatusCode.BadRequest);
        await admin.PutJsonAsync(ClientPath(id), new { scopes = new[] { "no:such" } }, HttpStatusCode.BadRequest);
        await admin.PostJsonAsync($"{ClientPath(id)}/secret", new { grace_seconds = -1 }, HttpStatusCode.BadRequest);
        // Beyond the caller's reach (403), and no client:admin at all (403).
        var limited = await fixture.ClientAsync(TestClients.OneApplicationAdmin);
        await limited.PostJsonAsync(ApiClientsApiTests.ClientsPath, new { scopes = new[] { "user:write" } }, HttpStatusCode.Forbidden);
        await (await fixture.ClientAsync()).PostJsonAsync(ApiClientsApiTests.ClientsPath, new { }, HttpStatusCode.Forbidden);

        Assert.Equal(total, (await PageAsync(admin, pageSize: 1)).Total);
        Assert.Equal(["createApiClient"], (await RecordsOfAsync(admin, id)).Select(r => r.GetProperty("operation").GetString()));
        Assert.Empty(await RecordsOfAsync(admin, missing));
    }

    [Fact]
    public async Task The_company_trail_pages_newest_first_for_client_admins_only_and_shows_only_the_company_s_client_writes()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await ApiClientsApiTests.CreateAsync(admin, new { client_id = NewClientId() })).ClientId);
        }

        // Writes of an application, and a company-wide record of another company, are not in this company's trail.
        var app = ApiFixture.NewApplicationId();
        await (await fixture.ClientAsync()).PostJsonAsync($"{Http.App(app)}/customers", Build.User());
        var foreign = new AuditEntry
        {
            Id = Ids.New(), CompanyId = TestClients.OtherCompany.CompanyId, ApplicationId = AuditEntry.CompanyWide,
            Kind = AuditKinds.Request, At = DateTime.UtcNow, ClientId = "foreign-admin", Method = "POST",
            Operation = "createApiClient", RequestId = "foreign", Status = 201, Resources = [new AuditResource("client_id", "foreign-client")],
        };
        await fixture.Services.GetRequiredService<IAuditStore>().AppendAsync([foreign], CancellationToken.None);

        var (all, total) = await PageAsync(admin);
        Assert.Equal(Math.Min(total, 100L), (long)all.Count);
        Assert.Equal(ids.AsEnumerable().Reverse(), all.Take(3).Select(r => r.GetProperty("resource_ids")[0].GetProperty("id").GetString()));
        Assert.All(all, r => Assert.Contains(r.GetProperty("operation").GetString(), ClientOperations));
        Assert.DoesNotContain(all, r => r.GetProperty("id").GetString() == foreign.Id);
        var times = all.Select(r => DateTime.Parse(r.GetProperty("at").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal)).ToList();
        Assert.Equal(times.OrderDescending(), times);

        var first = await admin.GetJsonAsync($"{Trail}?page_size=2&page_no=1");
        var second = await admin.GetJsonAsync($"{Trail}?page_size=2&page_no=2");
        Assert.Equal(total, first.GetProperty("page").GetProperty("item_total").GetInt64());
        Assert.True(first.GetProperty("page").GetProperty("has_next").GetBoolean());
        Assert.Equal(all.Take(4).Select(r => r.GetProperty("id").GetString()),
            first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(r => r.GetProperty("id").GetString()));

        // client:admin of this company, reaching every application: no other token reads it.
        foreach (var client in new[] { TestClients.Main, TestClients.ReadOnly, TestClients.OneApplicationAdmin, TestClients.OtherCompany })
        {
            Http.AssertError(await (await fixture.ClientAsync(client)).GetJsonAsync(Trail, HttpStatusCode.Forbidden), "forbidden");
        }

        Http.AssertError(await fixture.Anonymous().GetJsonAsync(Trail, HttpStatusCode.Unauthorized), "unauthorized");
        var other = await fixture.ClientAsync(TestClients.OtherCompany);
        Http.AssertError(await other.GetJsonAsync(Trail.Replace("/1001/", "/2002/", StringComparison.Ordinal), HttpStatusCode.Forbidden), "forbidden");
        Http.AssertError(await admin.GetJsonAsync($"{Trail}?page_size=1000", HttpStatusCode.BadRequest), "validation_failed", "page_size");
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteCompanyAuditApiTests(SqliteApiFixture fixture) : CompanyAuditApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoCompanyAuditApiTests(MongoApiFixture fixture) : CompanyAuditApiTests(fixture);

/// <summary>
/// The company trail's two statements (the page and its total) search the (company_id, application_id, kind, at, id)
/// index with <c>application_id = ''</c> and read it in order: no scan, no sort. (MongoDB: the same prefix on
/// <c>audit_by_kind</c>, see docs/MONGODB.md.)
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class SqliteCompanyAuditQueryPlanTests(SqliteApiFixture fixture)
{
    [Theory]
    [InlineData("SELECT id, data FROM audit_entries WHERE company_id = $company AND application_id = $application AND kind = $kind ORDER BY at DESC, id DESC LIMIT 10 OFFSET 20")]
    [InlineData("SELECT COUNT(*) FROM audit_entries WHERE company_id = $company AND application_id = $application AND kind = $kind")]
    public async Task The_company_trail_searches_the_kind_index_in_order(string sql)
    {
        fixture.RequireStore();
        var database = fixture.Services.GetRequiredService<SqliteDatabase>();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        command.Parameters.AddWithValue("$company", "1001");
        command.Parameters.AddWithValue("$application", AuditEntry.CompanyWide);
        command.Parameters.AddWithValue("$kind", AuditKinds.Request);
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.Contains(plan, line => line.Contains("SEARCH audit_entries USING", StringComparison.Ordinal) &&
                                      line.Contains("ix_audit_entries_kind", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("SCAN", StringComparison.Ordinal) || line.Contains("TEMP B-TREE", StringComparison.Ordinal));
    }
}
