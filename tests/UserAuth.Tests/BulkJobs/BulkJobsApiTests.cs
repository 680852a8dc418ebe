using System.Net;
using System.Text;
using System.Text.Json;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.BulkJobs;

/// <summary>Bulk import and export jobs through HTTP, against each store.</summary>
public abstract class BulkJobsApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private static string Id(JsonElement job) => job.GetProperty("_id").GetString()!;

    private async Task<JsonElement> ExportAsync(HttpClient http, object body, string? application = null)
    {
        var job = await http.PostJsonAsync($"{Http.App(application ?? app)}/users/jobs/export", body);
        return await Bulk.WaitAsync(http, application ?? app, Id(job));
    }

    [Fact]
    public async Task Import_writes_valid_rows_and_lists_each_bad_row_with_its_reason_in_the_error_file()
    {
        var http = await fixture.ClientAsync();
        var existing = await http.NewCustomerAsync(app);
        var taken = existing.Username;
        var dupEmail = $"{Guid.NewGuid():N}@example.com";
        var good1 = Build.Username();
        var file = Bulk.Csv(
            Bulk.Header,
            Bulk.Row(good1),                                    // row 2: ok
            Bulk.Row(email: dupEmail),                          // row 3: ok
            "bad name!,Ada,Lovelace,female,,9876500000,",         // row 4: username invalid
            Bulk.Row(phone: "12"),                              // row 5: phone invalid
            Bulk.Row(email: dupEmail),                          // row 6: email repeats row 3
            Bulk.Row(taken),                                    // row 7: username held by a stored user
            Bulk.Row(first: "\"Quoted, name\""),                // row 8: ok (quoted cell)
            ",,,,,,");                                          // row 9: username and phone missing

        var created = await Bulk.UploadAsync(http, app, file);
        Assert.Equal("import", created.GetProperty("action_type").GetString());
        Assert.Contains(created.GetProperty("status").GetString(), new[] { "pending", "running", "partially_completed" });
        var job = await Bulk.WaitAsync(http, app, Id(created));

        Assert.Equal("partially_completed", job.GetProperty("status").GetString());
        Assert.Equal((8L, 3L, 5L), Bulk.Count(job));
        Http.AssertNoNulls(job);
        var errors = Bulk.ParseCsv(await Bulk.DownloadAsync(http, Bulk.Link(job, "error")));
        Assert.Equal(["row", "username", "first_name", "last_name", "gender", "email", "phone_number", "external_id", "error"], errors[0]);
        var byRow = errors.Skip(1).ToDictionary(r => r[0], r => r[^1]);
        Assert.Equal(["4", "5", "6", "7", "9"], byRow.Keys.Order().ToArray());
        Assert.Contains("username", byRow["4"], StringComparison.Ordinal);
        Assert.Contains("phone_number", byRow["5"], StringComparison.Ordinal);
        Assert.Contains("repeats row 3", byRow["6"], StringComparison.Ordinal);
        Assert.Contains("belongs to another user", byRow["7"], StringComparison.Ordinal);
        Assert.Contains("is required", byRow["9"], StringComparison.Ordinal);
        Assert.Equal("bad name!", errors.Single(r => r[0] == "4")[1]);

        var listed = await http.GetJsonAsync($"{P}/customers/list?q={good1}");
        var user = Assert.Single(listed.GetProperty("items").EnumerateArray());
        Assert.Equal("Ada", user.GetProperty("first_name").GetString());
        Assert.Equal(91, user.GetProperty("phone_numbers")[0].GetProperty("country_code").GetInt32());
        var all = await http.GetJsonAsync($"{P}/customers/list?page_size=100");
        Assert.Equal(4, all.GetProperty("page").GetProperty("item_total").GetInt64()); // 3 imported + the existing one
        Assert.Contains(all.GetProperty("items").EnumerateArray(), u => u.GetProperty("first_name").GetString() == "Quoted, name");
    }

    [Fact]
    public async Task Dry_run_validates_every_row_and_writes_no_user()
    {
        var http = await fixture.ClientAsync();
        var email = $"{Guid.NewGuid():N}@example.com";
        var file = Bulk.Csv(Bulk.Header, Bulk.Row(), Bulk.Row(email: email), Bulk.Row(email: email), Bulk.Row(phone: "x"));

        var job = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, file, dryRun: true)));

        Assert.True(job.GetProperty("dry_run").GetBoolean());
        Assert.Equal("partially_completed", job.GetProperty("status").GetString());
        Assert.Equal((4L, 2L, 2L), Bulk.Count(job));
        Assert.Equal(3, Bulk.ParseCsv(await Bulk.DownloadAsync(http, Bulk.Link(job, "error"))).Count);
        var all = await http.GetJsonAsync($"{P}/customers/list");
        Assert.Equal(0, all.GetProperty("page").GetProperty("item_total").GetInt64());

        // The same file for real, through bulkImportStoreFrontUsers naming the dry run's file.
        var real = await http.PostJsonAsync($"{P}/users/jobs/import", new
        {
            absolute_url = "https://elsewhere.example" + Bulk.Link(job, "file"),
            relative_url = Bulk.Link(job, "file"),
            file_format = "csv",
        });
        real = await Bulk.WaitAsync(http, app, Id(real));
        Assert.False(real.GetProperty("dry_run").GetBoolean());
        Assert.Equal((4L, 2L, 2L), Bulk.Count(real));
        all = await http.GetJsonAsync($"{P}/customers/list");
        Assert.Equal(2, all.GetProperty("page").GetProperty("item_total").GetInt64());
    }

    [Fact]
    public async Task A_file_without_the_required_columns_or_with_unknown_ones_fails_the_job_with_the_reason()
    {
        var http = await fixture.ClientAsync();
        var missing = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, Bulk.Csv("username,email", "a,b@example.com"))));
        Assert.Equal("failed", missing.GetProperty("status").GetString());
        Assert.Contains("phone_number", missing.GetProperty("failure_reason").GetString(), StringComparison.Ordinal);

        var unknown = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, Bulk.Csv(Bulk.Header + ",shoe_size", Bulk.Row() + ",42"))));
        Assert.Equal("failed", unknown.GetProperty("status").GetString());
        Assert.Contains("shoe_size", unknown.GetProperty("failure_reason").GetString(), StringComparison.Ordinal);

        var notXlsx = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, Bulk.Csv(Bulk.Header), "users.xlsx")));
        Assert.Equal("failed", notXlsx.GetProperty("status").GetString());
        Assert.Contains("XLSX", notXlsx.GetProperty("failure_reason").GetString(), StringComparison.Ordinal);

        var allBad = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, Bulk.Csv(Bulk.Header, Bulk.Row(phone: "1")))));
        Assert.Equal("failed", allBad.GetProperty("status").GetString());
        Assert.Equal((1L, 0L, 1L), Bulk.Count(allBad));
    }

    [Fact]
    public async Task Bad_requests_get_400_with_the_fields()
    {
        var http = await fixture.ClientAsync();
        Http.AssertError(await http.PostJsonAsync($"{P}/users/jobs/export", new { file_format = "pdf" }, HttpStatusCode.BadRequest),
            "validation_failed", "file_format");
        Http.AssertError(await http.PostJsonAsync($"{P}/users/jobs/export", new { file_format = "csv", status = "sleeping" }, HttpStatusCode.BadRequest),
            "validation_failed", "status");
        Http.AssertError(await http.PostJsonAsync($"{P}/users/jobs/import", new { absolute_url = "", relative_url = "", file_format = "csv" },
            HttpStatusCode.BadRequest), "validation_failed", "absolute_url");
        Http.AssertError(await http.PostJsonAsync($"{P}/users/jobs/import",
            new { absolute_url = "http://10.0.0.7/users.csv", relative_url = "", file_format = "csv" }, HttpStatusCode.BadRequest),
            "validation_failed", "absolute_url");
        var foreign = $"{Http.App(ApiFixture.NewApplicationId())}/users/jobs/{ApiFixture.NewApplicationId()}/file";
        Http.AssertError(await http.PostJsonAsync($"{P}/users/jobs/import", new { absolute_url = foreign, relative_url = foreign, file_format = "csv" },
            HttpStatusCode.BadRequest), "validation_failed", "relative_url");
        Http.AssertError(await Bulk.UploadAsync(http, app, Bulk.Csv(Bulk.Header), "users.txt", status: HttpStatusCode.BadRequest),
            "validation_failed", "file_format");
        Http.AssertError(await http.GetJsonAsync($"{P}/users/jobs/import?status=done&start_date=yesterday", HttpStatusCode.BadRequest),
            "validation_failed", "status");
        Http.AssertError(await http.GetJsonAsync($"{P}/users/jobs/not-an-id", HttpStatusCode.BadRequest), "validation_failed", "job_id");
        Http.AssertError(await http.GetJsonAsync($"{P}/users/jobs/{ApiFixture.NewApplicationId()}", HttpStatusCode.NotFound), "job_not_found");
    }

    [Fact]
    public async Task Csv_round_trip_export_import_into_a_new_application_and_export_again_gives_identical_rows()
    {
        var http = await fixture.ClientAsync();
        for (var i = 0; i < 25; i++)
        {
            await http.NewCustomerAsync(app, firstName: i % 2 == 0 ? "Zoë, \"the\" first" : "Plain");
        }

        var first = await ExportAsync(http, new { file_format = "csv" });
        Assert.Equal("completed", first.GetProperty("status").GetString());
        Assert.Equal((25L, 25L, 0L), Bulk.Count(first));
        var exported = await Bulk.DownloadAsync(http, Bulk.Link(first, "file"));

        var other = ApiFixture.NewApplicationId();
        var imported = await Bulk.WaitAsync(http, other, Id(await Bulk.UploadAsync(http, other, exported, "users-export.csv")));
        Assert.Equal("completed", imported.GetProperty("status").GetString());
        Assert.Equal((25L, 25L, 0L), Bulk.Count(imported));

        var second = await ExportAsync(http, new { file_format = "csv" }, other);
        var again = await Bulk.DownloadAsync(http, Bulk.Link(second, "file"));
        Assert.Equal(Bulk.ParseCsv(exported).Select(r => string.Join("|", r)), Bulk.ParseCsv(again).Select(r => string.Join("|", r)));
        Assert.Equal(Encoding.UTF8.GetString(exported), Encoding.UTF8.GetString(again));
    }

    [Fact]
    public async Task Xlsx_round_trip_gives_identical_rows()
    {
        var http = await fixture.ClientAsync();
        for (var i = 0; i < 12; i++)
        {
            await http.NewCustomerAsync(app);
        }

        var first = await ExportAsync(http, new { file_format = "xlsx" });
        Assert.Equal("completed", first.GetProperty("status").GetString());
        Assert.EndsWith(".xlsx", first.GetProperty("file_name").GetString(), StringComparison.Ordinal);
        var exported = await Bulk.DownloadAsync(http, Bulk.Link(first, "file"));
        var rows = Bulk.ParseXlsx(exported);
        Assert.Equal(13, rows.Count);
        Assert.Equal(Bulk.Header.Split(','), rows[0]);

        var other = ApiFixture.NewApplicationId();
        var imported = await Bulk.WaitAsync(http, other, Id(await Bulk.UploadAsync(http, other, exported, "export.xlsx")));
        Assert.Equal((12L, 12L, 0L), Bulk.Count(imported));
        var second = await ExportAsync(http, new { file_format = "xlsx" }, other);
        Assert.Equal(rows.Select(r => string.Join("|", r)),
            Bulk.ParseXlsx(await Bulk.DownloadAsync(http, Bulk.Link(second, "file"))).Select(r => string.Join("|", r)));
    }

    [Fact]
    public async Task Xlsx_import_reads_the_first_sheet_and_numbers_typed_as_numbers()
    {
        var http = await fixture.ClientAsync();
        var name = Build.Username();
        var phone = Build.Phone();
        var file = Bulk.Xlsx(
        [
            new() { ["username"] = name, ["first_name"] = "Grace", ["phone_number"] = long.Parse(phone, System.Globalization.CultureInfo.InvariantCulture), ["email"] = null },
            new() { ["username"] = "", ["first_name"] = "NoName", ["phone_number"] = Build.Phone(), ["email"] = null },
        ]);
        var job = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, file, "people.xlsx")));
        Assert.Equal((2L, 1L, 1L), Bulk.Count(job));
        var user = (await http.GetJsonAsync($"{P}/customers/list?q={name}")).GetProperty("items")[0];
        Assert.Equal(phone, user.GetProperty("phone_numbers")[0].GetProperty("phone").GetString());
    }

    [Fact]
    public async Task Export_filters_by_search_status_and_creation_dates()
    {
        var http = await fixture.ClientAsync();
        var early = await http.NewCustomerAsync(app, firstName: "Early");
        await Task.Delay(20);
        var middle = DateTime.UtcNow;
        await Task.Delay(20);
        var findMe = await http.NewCustomerAsync(app, username: "findme_" + Guid.NewGuid().ToString("N")[..6], firstName: "Zed");
        var blocked = await http.NewCustomerAsync(app, firstName: "Blocked");
        await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { blocked.Id }, status = false, reason = "test" });

        async Task<List<string>> Usernames(object body)
        {
            var job = await ExportAsync(http, body);
            Assert.Equal("completed", job.GetProperty("status").GetString());
            return Bulk.ParseCsv(await Bulk.DownloadAsync(http, Bulk.Link(job, "file"))).Skip(1).Select(r => r[0]).ToList();
        }

        string U(CreatedUser user) => user.Username;
        Assert.Equal([U(early), U(findMe), U(blocked)], await Usernames(new { file_format = "csv" }));
        Assert.Equal([U(findMe)], await Usernames(new { file_format = "csv", search = "findme_" }));
        Assert.Equal([U(early)], await Usernames(new { file_format = "csv", search = early.Email }));
        Assert.Equal([U(blocked)], await Usernames(new { file_format = "csv", status = "blocked" }));
        Assert.Equal([U(early), U(findMe)], await Usernames(new { file_format = "csv", status = "active" }));
        Assert.Equal([U(findMe), U(blocked)], await Usernames(new { file_format = "csv", created_from = middle }));
        Assert.Equal([U(early)], await Usernames(new { file_format = "csv", created_to = middle }));
        Assert.Empty(await Usernames(new { file_format = "csv", status = "archived" }));
    }

    [Fact]
    public async Task Job_lists_filter_and_page_newest_first()
    {
        var http = await fixture.ClientAsync();
        var a = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, Bulk.Csv(Bulk.Header, Bulk.Row()), "alpha-list.csv")));
        var b = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, Bulk.Csv(Bulk.Header, Bulk.Row(phone: "1")), "beta-list.csv")));
        var c = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, Bulk.Xlsx([new() { ["username"] = Build.Username(), ["phone_number"] = Build.Phone() }]), "gamma.xlsx")));
        var export = await ExportAsync(http, new { file_format = "csv" });

        async Task<List<string>> Ids(string query, string action = "import")
        {
            var page = await http.GetJsonAsync($"{P}/users/jobs/{action}{query}");
            Http.AssertNoNulls(page);
            return page.GetProperty("items").EnumerateArray().Select(Id).ToList();
        }

        Assert.Equal([Id(c), Id(b), Id(a)], await Ids(""));
        Assert.Equal([Id(export)], await Ids("", "export"));
        Assert.Equal([Id(b)], await Ids("?status=failed"));
        Assert.Equal([Id(a)], await Ids("?status=completed&file_format=csv"));
        Assert.Equal([Id(c)], await Ids("?file_format=xlsx"));
        Assert.Equal([Id(b), Id(a)], await Ids("?search=LIST"));
        Assert.Equal([Id(a)], await Ids($"?search={Id(a)}"));
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(3, (await Ids($"?start_date={today}&end_date={today}")).Count);
        Assert.Empty(await Ids("?start_date=2999-01-01"));
        Assert.Empty(await Ids("?end_date=2000-01-01T00:00:00Z"));
        var page = await http.GetJsonAsync($"{P}/users/jobs/import?page_size=2&page_no=2");
        Assert.Equal([Id(a)], page.GetProperty("items").EnumerateArray().Select(Id).ToList());
        Assert.Equal(3, page.GetProperty("page").GetProperty("item_total").GetInt64());
        Assert.False(page.GetProperty("page").GetProperty("has_next").GetBoolean());
    }

    [Fact]
    public async Task Uploaded_names_are_kept_safe_and_files_are_served_with_their_name_and_type()
    {
        var http = await fixture.ClientAsync();
        var file = Bulk.Csv(Bulk.Header, Bulk.Row(), Bulk.Row(phone: "12"));

        // Only the name's last segment, without characters that would break a header or a path.
        var odd = await Bulk.UploadAsync(http, app, file, "../../we!rd<na>me.csv");
        Assert.Equal("werdname.csv", odd.GetProperty("file_name").GetString());
        // The other uploads get files of their own: the same rows in three jobs would race for the same usernames, and
        // the first job's valid row failed as taken whenever another job ran first.
        var tooLong = await Bulk.UploadAsync(http, app, Bulk.Csv(Bulk.Header, Bulk.Row()), new string('a', 240) + ".csv");
        Assert.Equal($"users-import-{Id(tooLong)}.csv", tooLong.GetProperty("file_name").GetString());
        var nothingLeft = await Bulk.UploadAsync(http, app, Bulk.Csv(Bulk.Header, Bulk.Row()), "<>", format: "csv");
        Assert.Equal($"users-import-{Id(nothingLeft)}.csv", nothingLeft.GetProperty("file_name").GetString());

        // An import's file is served as uploaded, at once; its error file once written, under its own name.
        var (bytes, name, type) = await FileAsync(http, $"{P}/users/jobs/{Id(odd)}/file");
        Assert.Equal(file, bytes);
        Assert.Equal(("werdname.csv", "text/csv"), (name, type));
        var job = await Bulk.WaitAsync(http, app, Id(odd));
        var (errors, errorName, errorType) = await FileAsync(http, Bulk.Link(job, "error"));
        Assert.Equal(("werdname-errors.csv", "text/csv"), (errorName, errorType));
        Assert.Equal(2, Bulk.ParseCsv(errors).Count);

        var xlsx = await Bulk.UploadAsync(http, app, Bulk.Xlsx([new() { ["username"] = Build.Username(), ["phone_number"] = Build.Phone() }]),
            "people.xlsx");
        var (_, xlsxName, xlsxType) = await FileAsync(http, $"{P}/users/jobs/{Id(xlsx)}/file");
        Assert.Equal(("people.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (xlsxName, xlsxType));

        // Job ids are matched whatever their case.
        Assert.Equal(Id(odd), Id(await http.GetJsonAsync($"{P}/users/jobs/{Id(odd).ToUpperInvariant()}")));
    }

    [Fact]
    public async Task An_import_naming_a_kept_file_takes_that_file_of_this_application_and_nothing_else()
    {
        var http = await fixture.ClientAsync();
        var first = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app,
            Bulk.Csv(Bulk.Header, Bulk.Row(), Bulk.Row(phone: "12")), "first.csv", dryRun: true)));
        var clean = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, Bulk.Csv(Bulk.Header, Bulk.Row()), "clean.csv", dryRun: true)));

        async Task<JsonElement> ImportAsync(string relativeUrl, string application, HttpStatusCode status = HttpStatusCode.OK) =>
            await http.PostJsonAsync($"{Http.App(application)}/users/jobs/import", new
            {
                absolute_url = "https://elsewhere.example" + relativeUrl, relative_url = relativeUrl, file_format = "csv",
            }, status);

        // Another job's error file: the import reads it under the name of the job's file.
        var fromErrors = await ImportAsync(Bulk.Link(first, "error"), app);
        Assert.Equal("first.csv", fromErrors.GetProperty("file_name").GetString());
        await Bulk.WaitAsync(http, app, Id(fromErrors));

        // No error file, another application's job, an unknown job: refused, naming relative_url.
        Http.AssertError(await ImportAsync($"{P}/users/jobs/{Id(clean)}/error", app, HttpStatusCode.BadRequest), "validation_failed", "relative_url");
        var other = ApiFixture.NewApplicationId();
        Http.AssertError(await ImportAsync(Bulk.Link(first, "file"), other, HttpStatusCode.BadRequest), "validation_failed", "relative_url");
        Http.AssertError(await ImportAsync($"{P}/users/jobs/{ApiFixture.NewApplicationId()}/file", app, HttpStatusCode.BadRequest),
            "validation_failed", "relative_url");
    }

    private static async Task<(byte[] Bytes, string? Name, string? Type)> FileAsync(HttpClient http, string relativeUrl)
    {
        using var response = await http.GetAsync(relativeUrl);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"got {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}");
        return (bytes, response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'),
            response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Jobs_and_files_are_served_only_to_authorised_callers_of_their_application()
    {
        var http = await fixture.ClientAsync();
        var job = await ExportAsync(http, new { file_format = "csv" });
        var file = Bulk.Link(job, "file");
        Assert.StartsWith("http", job.GetProperty("links").GetProperty("file").GetProperty("absolute_url").GetString(), StringComparison.Ordinal);
        Assert.Equal("tests-main", job.GetProperty("created_by").GetProperty("name").GetString());

        await Bulk.DownloadAsync(fixture.Anonymous(), file, HttpStatusCode.Unauthorized);
        var other = await fixture.ClientAsync(TestClients.OtherCompany);
        await Bulk.DownloadAsync(other, file, HttpStatusCode.Forbidden);
        await Bulk.DownloadAsync(other, $"{Http.App(app, "2002")}/users/jobs/{Id(job)}/file", HttpStatusCode.NotFound);
        await http.GetJsonAsync($"{Http.App(ApiFixture.NewApplicationId())}/users/jobs/{Id(job)}", HttpStatusCode.NotFound);
        await Bulk.DownloadAsync(http, $"{Http.App(ApiFixture.NewApplicationId())}/users/jobs/{Id(job)}/file", HttpStatusCode.NotFound);
        var oneApp = await fixture.ClientAsync(TestClients.OneApplication);
        await Bulk.DownloadAsync(oneApp, file, HttpStatusCode.Forbidden);
        // No error file for a job without errors.
        await Bulk.DownloadAsync(http, $"{P}/users/jobs/{Id(job)}/error", HttpStatusCode.NotFound);
        // A read-only client may list and download, not create jobs.
        var reader = await fixture.ClientAsync(TestClients.ReadOnly);
        await Bulk.DownloadAsync(reader, file);
        await reader.PostJsonAsync($"{P}/users/jobs/export", new { file_format = "csv" }, HttpStatusCode.Forbidden);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteBulkJobsApiTests(SqliteApiFixture fixture) : BulkJobsApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoBulkJobsApiTests(MongoApiFixture fixture) : BulkJobsApiTests(fixture);
