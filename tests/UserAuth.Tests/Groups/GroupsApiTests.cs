using System.Net;
using System.Text.Json;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Groups.GroupTestSupport;

namespace UserAuth.Tests.Groups;

/// <summary>The five user group methods and the two membership reads through HTTP, against each store.</summary>
public abstract class GroupsApiTests(ApiFixture fixture) : IAsyncLifetime
{
    private readonly string app = ApiFixture.NewApplicationId();
    private LoopbackFileServer files = null!;

    private string P => Http.App(app);

    public async ValueTask InitializeAsync() => files = await LoopbackFileServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await files.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private async Task<JsonElement> CreateAsync(HttpClient http, object body) => await http.PostJsonAsync($"{P}/user_group", body);

    private static long Uid(JsonElement group) => group.GetProperty("uid").GetInt64();

    [Fact]
    public async Task Create_without_a_file_answers_the_reference_shape_and_reads_back()
    {
        var http = await fixture.ClientAsync();
        var group = await CreateAsync(http, new { name = "Group 1", description = "description" });

        Assert.Matches("^[0-9a-f]{24}$", group.GetProperty("_id").GetString());
        Assert.Equal(1, Uid(group));
        Assert.Equal("Group 1", group.GetProperty("name").GetString());
        Assert.Equal("description", group.GetProperty("description").GetString());
        Assert.Equal(app, group.GetProperty("application_id").GetString());
        Assert.Equal("bulk", group.GetProperty("type").GetString());
        Assert.Equal("completed", group.GetProperty("status").GetString());
        Assert.True(group.GetProperty("is_active").GetBoolean());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", group.GetProperty("created_at").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", group.GetProperty("modified_at").GetString());
        Assert.Equal(0, group.GetProperty("__v").GetInt32());
        Http.AssertNoNulls(group);

        var read = await http.GetJsonAsync($"{P}/user_group/1");
        Assert.Equal(group.GetRawText(), read.GetRawText());
    }

    [Fact]
    public async Task Uids_increase_per_application_and_other_applications_answer_404()
    {
        var http = await fixture.ClientAsync();
        Assert.Equal(1, Uid(await CreateAsync(http, new { name = "a", description = "a" })));
        Assert.Equal(2, Uid(await CreateAsync(http, new { name = "b", description = "b" })));
        var other = Http.App(ApiFixture.NewApplicationId());
        Assert.Equal(1, Uid(await http.PostJsonAsync($"{other}/user_group", new { name = "c", description = "c" })));
        Assert.Equal(3, Uid(await CreateAsync(http, new { name = "d", description = "d" })));

        var missing = await http.GetJsonAsync($"{Http.App(ApiFixture.NewApplicationId())}/user_group/1", HttpStatusCode.NotFound);
        Http.AssertError(missing, "group_not_found");
        await http.GetJsonAsync($"{P}/user_group/99", HttpStatusCode.NotFound);
        Http.AssertError(await http.GetJsonAsync($"{P}/user_group/abc", HttpStatusCode.BadRequest), "validation_failed", "group_id");
        Http.AssertError(await http.GetJsonAsync($"{P}/user_group/0", HttpStatusCode.BadRequest), "validation_failed", "group_id");

        var otherCompany = await fixture.ClientAsync(TestClients.OtherCompany);
        await otherCompany.GetJsonAsync($"{P}/user_group/1", HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Concurrent_creates_get_distinct_uids()
    {
        var http = await fixture.ClientAsync();
        var created = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => CreateAsync(http, new { name = $"g{i}", description = "d" })));
        var uids = created.Select(Uid).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i).ToList(), uids);
    }

    [Fact]
    public async Task Create_requires_name_and_description_and_checks_every_field()
    {
        var http = await fixture.ClientAsync();
        var body = await http.PostJsonAsync($"{P}/user_group", new { type = "weird" }, HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "name");
        Http.AssertError(body, "validation_failed", "description");
        Http.AssertError(body, "validation_failed", "type");
        body = await http.PostJsonAsync($"{P}/user_group", new { name = " ", description = "d" }, HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "name");
        body = await http.PostJsonAsync($"{P}/user_group", new { name = "n", description = "d", type = "bulk",
            conditions = new[] { new { type = "eq", user_attribute_definition_id = "6540da9759b4f70ad817ace7", value = "x" } } },
            HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "conditions");
        await http.PostJsonAsync($"{P}/user_group", new { name = "n", description = "d", uid = 7 }, HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("https://10.0.0.5/users.csv", "private")]
    [InlineData("https://192.168.0.10/users.csv", "private")]
    [InlineData("https://169.254.169.254/latest/meta-data/iam", "link-local")]
    [InlineData("https://[fd12::1]/users.csv", "private")]
    [InlineData("https://[::ffff:172.16.0.1]/users.csv", "private")]
    [InlineData("https://0.0.0.0/users.csv", "unspecified")]
    [InlineData("https://239.1.1.1/users.csv", "multicast")]
    [InlineData("http://files.example.com/users.csv", "https")]
    [InlineData("ftp://files.example.com/users.csv", "http")]
    [InlineData("not a url", "absolute")]
    public async Task A_file_url_refused_on_its_face_is_a_400_at_once(string url, string reason)
    {
        var http = await fixture.ClientAsync();
        var body = await http.PostJsonAsync($"{P}/user_group", new { name = "n", description = "d", file_url = url }, HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "file_url");
        Assert.Contains(reason, body.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);

        var group = await CreateAsync(http, new { name = "n", description = "d" });
        body = await http.PutJsonAsync($"{P}/user_group/{Uid(group)}", new { file_url = url }, HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "file_url");
        body = await (await http.PatchAsync($"{P}/user_group/{Uid(group)}", Http.Json(new { file_url = url }))).ExpectAsync(HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "file_url");
        // Nothing was written: the group has no file and no run.
        var read = await http.GetJsonAsync($"{P}/user_group/{Uid(group)}");
        Assert.False(read.TryGetProperty("file_url", out _));
        Assert.Equal("completed", read.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_file_group_is_pending_then_completed_with_an_error_report()
    {
        var http = await fixture.ClientAsync();
        var a = await http.NewCustomerAsync(app);
        var b = await http.NewCustomerAsync(app);
        var c = await http.NewCustomerAsync(app);
        var d = await http.NewCustomerAsync(app);
        var otherApp = await http.NewCustomerAsync(ApiFixture.NewApplicationId());
        var csv = string.Join('\n',
            "email,phone_number,user_id,action",
            $"{a.Email},,,add",
            $",{b.Phone},,add",
            $",,{c.Id},ADD",
            $",,{d.Id},add",
            $",,{d.Id},remove",
            $",,{otherApp.Id},add",
            "nobody@example.com,,,add",
            $"{a.Email},,,delete",
            $"{a.Email},{a.Phone},,add",
            ",,,add",
            "=HYPERLINK(1),,,add",
            "");
        var url = files.Serve($"{app}.csv", csv);

        var group = await CreateAsync(http, new { name = "From a file", description = "d", file_url = url });
        Assert.Equal("pending", group.GetProperty("status").GetString());
        Assert.Equal(url, group.GetProperty("file_url").GetString());
        var done = await WaitDoneAsync(http, P, Uid(group));
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(6, done.GetProperty("error").GetProperty("count").GetInt64());
        Http.AssertNoNulls(done);

        var members = await MembersAsync(http, P, Uid(group));
        Assert.Equal(new[] { a.Id, b.Id, c.Id }.Order(), members.Order());
        Assert.Equal([Uid(group)], await GroupsOfAsync(http, P, a.Id));
        Assert.Empty(await GroupsOfAsync(http, P, d.Id));

        var report = await ReportAsync(http, done.GetProperty("error").GetProperty("file_url").GetString()!);
        var lines = report.TrimEnd('\n').Split('\n');
        Assert.Equal("row_number,row,reason", lines[0]);
        Assert.Equal(7, lines.Length);
        Assert.True(lines[1].StartsWith($"6,\",,{otherApp.Id},add\",\"no live user of this application has this user_id\"", StringComparison.Ordinal), report);
        Assert.StartsWith("7,", lines[2]);
        Assert.Contains("action must be add or remove", lines[3]);
        Assert.Contains("exactly one of", lines[4]);
        Assert.Contains("exactly one of", lines[5]);
        Assert.StartsWith("11,\"'=HYPERLINK(1),,,add\",\"email is not a valid email address\"", lines[6]);
    }

    [Fact]
    public async Task The_error_report_is_served_to_its_application_only()
    {
        var http = await fixture.ClientAsync();
        var url = files.Serve($"{app}-bad.csv", "email,action\nnobody@example.com,add\n");
        var group = await CreateAsync(http, new { name = "n", description = "d", file_url = url });
        var done = await WaitDoneAsync(http, P, Uid(group));
        var report = done.GetProperty("error").GetProperty("file_url").GetString()!;
        Assert.Contains("1,\"nobody@example.com,add\"", await ReportAsync(http, report));

        await fixture.Anonymous().GetJsonAsync(report, HttpStatusCode.Unauthorized);
        var otherCompany = await fixture.ClientAsync(TestClients.OtherCompany);
        await otherCompany.GetJsonAsync(report, HttpStatusCode.Forbidden);
        var sameIdOtherApp = report.Replace(app, ApiFixture.NewApplicationId(), StringComparison.Ordinal);
        Http.AssertError(await http.GetJsonAsync(sameIdOtherApp, HttpStatusCode.NotFound), "report_not_found");
    }

    [Fact]
    public async Task Json_entries_add_and_remove_members()
    {
        var http = await fixture.ClientAsync();
        var a = await http.NewCustomerAsync(app);
        var b = await http.NewCustomerAsync(app);
        var group = await CreateAsync(http, new { name = "From JSON", description = "d" });
        var uid = Uid(group);

        var patched = await (await http.PatchAsync($"{P}/user_group/{uid}", Http.Json(new
        {
            type = "json",
            name = "Renamed",
            user_data = new object[]
            {
                new { action = "add", user_id = a.Id },
                new { action = "add", email = b.Email.ToUpperInvariant() },
                new { action = "add", phone_number = "+91" + Build.Phone() },
            },
        }))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("pending", patched.GetProperty("status").GetString());
        Assert.Equal("Renamed", patched.GetProperty("name").GetString());
        var done = await WaitDoneAsync(http, P, uid);
        Assert.Equal(1, done.GetProperty("error").GetProperty("count").GetInt64());
        var firstReport = done.GetProperty("error").GetProperty("file_url").GetString()!;
        Assert.Contains("no live user", await ReportAsync(http, firstReport));
        Assert.Equal(new[] { a.Id, b.Id }.Order(), (await MembersAsync(http, P, uid)).Order());

        await (await http.PatchAsync($"{P}/user_group/{uid}", Http.Json(new
        {
            type = "json",
            user_data = new object[] { new { action = "remove", phone_number = b.Phone } },
        }))).ExpectAsync(HttpStatusCode.OK);
        done = await WaitDoneAsync(http, P, uid);
        Assert.False(done.TryGetProperty("error", out _));
        Assert.Equal([a.Id], await MembersAsync(http, P, uid));
        // The previous run's error report went with it.
        await http.GetJsonAsync(firstReport, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Json_entries_are_checked_before_anything_is_queued()
    {
        var http = await fixture.ClientAsync();
        var uid = Uid(await CreateAsync(http, new { name = "n", description = "d" }));
        var body = await (await http.PatchAsync($"{P}/user_group/{uid}", Http.Json(new
        {
            type = "json",
            user_data = new object[] { new { action = "keep", user_id = "x" }, new { action = "add" } },
        }))).ExpectAsync(HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed");
        var fields = body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Contains(fields, f => f!.StartsWith("user_data[0]", StringComparison.Ordinal));
        Assert.Contains(fields, f => f!.StartsWith("user_data[1]", StringComparison.Ordinal));
        body = await (await http.PatchAsync($"{P}/user_group/{uid}", Http.Json(new { type = "json" }))).ExpectAsync(HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "user_data");
        Assert.Equal("completed", (await http.GetJsonAsync($"{P}/user_group/{uid}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_change_while_a_run_is_pending_is_refused_with_409()
    {
        var http = await fixture.ClientAsync();
        var group = await CreateAsync(http, new { name = "n", description = "d", file_url = $"{files.BaseUrl}/slow?seconds=3" });
        var uid = Uid(group);
        var body = await (await http.PatchAsync($"{P}/user_group/{uid}", Http.Json(new
        {
            type = "json",
            user_data = new object[] { new { action = "add", email = "a@example.com" } },
        }))).ExpectAsync(HttpStatusCode.Conflict);
        Http.AssertError(body, "group_busy");
        // Details may still change while it runs.
        var renamed = await http.PutJsonAsync($"{P}/user_group/{uid}", new { name = "renamed", description = "new" });
        Assert.Equal("renamed", renamed.GetProperty("name").GetString());
        var done = await WaitDoneAsync(http, P, uid);
        Assert.Equal("renamed", done.GetProperty("name").GetString());
        Assert.Equal("completed", done.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_file_that_cannot_be_fetched_fails_the_group_with_the_reason()
    {
        var http = await fixture.ClientAsync();
        var group = await CreateAsync(http, new { name = "n", description = "d", file_url = files.Url("missing.csv") });
        var done = await WaitDoneAsync(http, P, Uid(group));
        Assert.Equal("failed", done.GetProperty("status").GetString());
        Assert.Contains("HTTP 404", done.GetProperty("error").GetProperty("reason").GetString());
        Http.AssertNoNulls(done);

        var noColumns = files.Serve($"{app}-cols.csv", "name,what\nx,y\n");
        done = await WaitDoneAsync(http, P, Uid(await CreateAsync(http, new { name = "n", description = "d", file_url = noColumns })));
        Assert.Equal("failed", done.GetProperty("status").GetString());
        Assert.Contains("action column", done.GetProperty("error").GetProperty("reason").GetString());

        // A failed group takes a new file.
        var good = files.Serve($"{app}-good.csv", "email,action\n");
        var again = await http.PutJsonAsync($"{P}/user_group/{Uid(group)}", new { file_url = good });
        Assert.Equal("pending", again.GetProperty("status").GetString());
        done = await WaitDoneAsync(http, P, Uid(group));
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.False(done.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task A_redirect_to_a_private_address_fails_the_group()
    {
        var http = await fixture.ClientAsync();
        var url = $"{files.BaseUrl}/redirect?to={Uri.EscapeDataString("https://169.254.169.254/latest/meta-data/")}";
        var done = await WaitDoneAsync(http, P, Uid(await CreateAsync(http, new { name = "n", description = "d", file_url = url })));
        Assert.Equal("failed", done.GetProperty("status").GetString());
        Assert.Contains("link-local", done.GetProperty("error").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Archived_and_deleted_users_leave_the_groups_while_they_are_so()
    {
        var http = await fixture.ClientAsync();
        var a = await http.NewCustomerAsync(app);
        var b = await http.NewCustomerAsync(app);
        var c = await http.NewCustomerAsync(app);
        var uid = Uid(await CreateAsync(http, new { name = "n", description = "d" }));
        await (await http.PatchAsync($"{P}/user_group/{uid}", Http.Json(new
        {
            type = "json",
            user_data = new object[] { new { action = "add", user_id = a.Id }, new { action = "add", user_id = b.Id }, new { action = "add", user_id = c.Id } },
        }))).ExpectAsync(HttpStatusCode.OK);
        await WaitDoneAsync(http, P, uid);
        Assert.Equal(3, (await MembersAsync(http, P, uid)).Count);

        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = a.Id });
        await (await http.DeleteAsync($"{P}/customers/{b.Id}?reason=test")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal([c.Id], await MembersAsync(http, P, uid));
        var page = await http.GetJsonAsync($"{P}/user_group/{uid}/users");
        Assert.Equal(1, page.GetProperty("page").GetProperty("item_total").GetInt64());
        Http.AssertError(await http.GetJsonAsync($"{P}/user_group/user/{a.Id}", HttpStatusCode.NotFound), "user_not_found");
        Http.AssertError(await http.GetJsonAsync($"{P}/user_group/user/{b.Id}", HttpStatusCode.NotFound), "user_not_found");

        await http.PutJsonAsync($"{P}/customers/undelete", new { user_id = b.Id, reason = "back" });
        Assert.Equal(new[] { b.Id, c.Id }.Order(), (await MembersAsync(http, P, uid)).Order());
        Assert.Equal([uid], await GroupsOfAsync(http, P, b.Id));
    }

    [Fact]
    public async Task Lists_filter_by_name_type_status_and_uid_newest_first()
    {
        var http = await fixture.ClientAsync();
        await CreateAsync(http, new { name = "Summer Sale", description = "d" });
        await CreateAsync(http, new { name = "Winter sale", description = "d" });
        await CreateAsync(http, new { name = "VIP", description = "d" });
        var failed = Uid(await CreateAsync(http, new { name = "broken SALE", description = "d", file_url = files.Url("none.csv") }));
        await WaitDoneAsync(http, P, failed);

        var all = await http.GetJsonAsync($"{P}/user_group?page_size=2");
        Assert.Equal(new long[] { 4, 3 }, all.GetProperty("items").EnumerateArray().Select(Uid));
        Assert.Equal(4, all.GetProperty("page").GetProperty("item_total").GetInt64());
        Assert.True(all.GetProperty("page").GetProperty("has_next").GetBoolean());
        var sale = await http.GetJsonAsync($"{P}/user_group?name=sAlE");
        Assert.Equal(new long[] { 4, 2, 1 }, sale.GetProperty("items").EnumerateArray().Select(Uid));
        var failedOnly = await http.GetJsonAsync($"{P}/user_group?status=failed");
        Assert.Equal(new long[] { 4 }, failedOnly.GetProperty("items").EnumerateArray().Select(Uid));
        var byUid = await http.GetJsonAsync($"{P}/user_group?group_uid=2&type=bulk");
        Assert.Equal(new long[] { 2 }, byUid.GetProperty("items").EnumerateArray().Select(Uid));
        var none = await http.GetJsonAsync($"{P}/user_group?type=conditional");
        Assert.Empty(none.GetProperty("items").EnumerateArray());
        var special = await http.GetJsonAsync($"{P}/user_group?name={Uri.EscapeDataString(".*")}");
        Assert.Empty(special.GetProperty("items").EnumerateArray());

        var bad = await http.GetJsonAsync($"{P}/user_group?status=done&type=x&page_no=0&group_uid=0", HttpStatusCode.BadRequest);
        foreach (var field in new[] { "status", "type", "page_no", "group_uid" })
        {
            Http.AssertError(bad, "validation_failed", field);
        }
    }

    [Fact]
    public async Task Update_changes_details_and_refuses_a_type_change()
    {
        var http = await fixture.ClientAsync();
        var uid = Uid(await CreateAsync(http, new { name = "n", description = "d" }));
        var updated = await http.PutJsonAsync($"{P}/user_group/{uid}", new { name = "new name", description = "new description", type = "bulk" });
        Assert.Equal("new name", updated.GetProperty("name").GetString());
        Assert.Equal(1, updated.GetProperty("__v").GetInt32());
        var body = await http.PutJsonAsync($"{P}/user_group/{uid}", new { type = "conditional" }, HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "type");
        await http.PutJsonAsync($"{P}/user_group/77", new { name = "x" }, HttpStatusCode.NotFound);
        var readOnly = await fixture.ClientAsync(TestClients.ReadOnly);
        await readOnly.PutJsonAsync($"{P}/user_group/{uid}", new { name = "x" }, HttpStatusCode.Forbidden);
        await readOnly.GetJsonAsync($"{P}/user_group/{uid}");
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteGroupsApiTests(SqliteApiFixture fixture) : GroupsApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoGroupsApiTests(MongoApiFixture fixture) : GroupsApiTests(fixture);
