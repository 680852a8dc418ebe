using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Features.BulkJobs;
using UserAuth.Api.Storage;
using UserAuth.Tests.Infrastructure;
using UserAuth.Tests.Sessions;

namespace UserAuth.Tests.BulkJobs;

/// <summary>
/// The rules of creating jobs and serving their files that the broader bulk job tests leave open: which kept file an
/// import names (relative_url first, then absolute_url's path; only this application's), dry runs through
/// bulkImportStoreFrontUsers, which uploaded names are kept, the reasons and codes of refusals, and a job whose insert
/// the store refuses leaving no file behind. Through HTTP, against each store.
/// </summary>
public abstract class BulkJobRulesApiTests(ApiFixture fixture)
{
    private const string NoKeptFile = "names no file this service keeps for this application";

    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private static string Id(JsonElement job) => job.GetProperty("_id").GetString()!;

    private static string Reason(JsonElement error, string field) =>
        error.GetProperty("errors").EnumerateArray().Single(e => e.GetProperty("field").GetString() == field).GetProperty("reason").GetString()!;

    private Task<JsonElement> ImportAsync(HttpClient http, string absoluteUrl, string relativeUrl, bool? dryRun = null,
        HttpStatusCode status = HttpStatusCode.OK) =>
        http.PostJsonAsync($"{P}/users/jobs/import", new Dictionary<string, object?>
        {
            ["absolute_url"] = absoluteUrl, ["relative_url"] = relativeUrl, ["file_format"] = "csv", ["dry_run"] = dryRun,
        }, status);

    private async Task<long> UserCountAsync(HttpClient http) =>
        (await http.GetJsonAsync($"{P}/customers/list")).GetProperty("page").GetProperty("item_total").GetInt64();

    [Fact]
    public async Task An_import_takes_the_kept_file_named_by_relative_url_else_by_absolute_urls_path_and_honours_dry_run()
    {
        var http = await fixture.ClientAsync();
        var source = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app,
            Bulk.Csv(Bulk.Header, Bulk.Row(), Bulk.Row(), Bulk.Row(phone: "12")), "kept.csv", dryRun: true)));
        Assert.Equal(0, await UserCountAsync(http));
        var file = Bulk.Link(source, "file");

        // A dry run of the kept file: every row checked, no user written.
        var dry = await ImportAsync(http, "https://elsewhere.example" + file, file, dryRun: true);
        Assert.True(dry.GetProperty("dry_run").GetBoolean());
        Assert.Equal("kept.csv", dry.GetProperty("file_name").GetString());
        dry = await Bulk.WaitAsync(http, app, Id(dry));
        Assert.Equal((3L, 2L, 1L), Bulk.Count(dry));
        Assert.Equal(0, await UserCountAsync(http));

        // relative_url names the kept file; absolute_url another host's file, which is not downloaded.
        var byRelative = await ImportAsync(http, "https://files.example/other-users.csv", file, dryRun: true);
        Assert.Equal("kept.csv", byRelative.GetProperty("file_name").GetString());
        Assert.Equal((3L, 2L, 1L), Bulk.Count(await Bulk.WaitAsync(http, app, Id(byRelative))));

        // No relative_url: absolute_url's path names the kept file (whatever its host), copied, not downloaded.
        var byAbsolute = await ImportAsync(http, "https://elsewhere.example" + file, "");
        Assert.False(byAbsolute.GetProperty("dry_run").GetBoolean());
        Assert.Equal("kept.csv", byAbsolute.GetProperty("file_name").GetString());
        byAbsolute = await Bulk.WaitAsync(http, app, Id(byAbsolute));
        Assert.Equal("partially_completed", byAbsolute.GetProperty("status").GetString());
        Assert.Equal((3L, 2L, 1L), Bulk.Count(byAbsolute));
        Assert.Equal(2, await UserCountAsync(http));
    }

    [Fact]
    public async Task An_import_is_refused_a_file_of_another_application_even_with_a_job_id_of_this_one_and_a_file_the_job_lacks()
    {
        var http = await fixture.ClientAsync();
        var clean = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, Bulk.Csv(Bulk.Header, Bulk.Row()), "clean.csv", dryRun: true)));

        // The id of this application's job under another application's path: the path's application counts.
        var otherPath = $"{Http.App(ApiFixture.NewApplicationId())}/users/jobs/{Id(clean)}/file";
        var refused = await ImportAsync(http, "https://elsewhere.example" + otherPath, otherPath, status: HttpStatusCode.BadRequest);
        Http.AssertError(refused, "validation_failed", "relative_url");
        Assert.Equal(NoKeptFile, Reason(refused, "relative_url"));

        // A job without errors has no error file to import.
        var noErrors = $"{P}/users/jobs/{Id(clean)}/error";
        refused = await ImportAsync(http, "https://elsewhere.example" + noErrors, noErrors, status: HttpStatusCode.BadRequest);
        Assert.Equal(NoKeptFile, Reason(refused, "relative_url"));

        // An unknown job.
        var unknown = $"{P}/users/jobs/{ApiFixture.NewApplicationId()}/file";
        refused = await ImportAsync(http, "https://elsewhere.example" + unknown, unknown, status: HttpStatusCode.BadRequest);
        Assert.Equal(NoKeptFile, Reason(refused, "relative_url"));
    }

    [Fact]
    public async Task Uploaded_names_keep_letters_digits_dots_dashes_underscores_and_inner_spaces_up_to_200_characters()
    {
        var http = await fixture.ClientAsync();
        var file = Bulk.Csv(Bulk.Header, Bulk.Row());

        async Task<string> NameOf(string uploaded, string? format = null)
        {
            var job = await Bulk.UploadAsync(http, app, file, uploaded, format: format, dryRun: true);
            var name = job.GetProperty("file_name").GetString()!;
            return name == $"users-import-{Id(job)}.csv" ? "(fallback)" : name;
        }

        Assert.Equal("my users_2024-05.v2.csv", await NameOf("my users_2024-05.v2.csv"));
        Assert.Equal("Ünïcode 名前.csv", await NameOf("Ünïcode 名前.csv"));
        Assert.Equal("spaced.csv", await NameOf("spaced.csv  ", format: "csv"));
        var longest = new string('a', 196) + ".csv";
        Assert.Equal(longest, await NameOf(longest));
        Assert.Equal("(fallback)", await NameOf(new string('a', 197) + ".csv"));
        Assert.Equal("(fallback)", await NameOf("!!!", format: " CSV "));
    }

    [Fact]
    public async Task An_export_is_named_after_its_job_and_refused_an_unknown_group_with_the_reason()
    {
        var http = await fixture.ClientAsync();
        var job = await http.PostJsonAsync($"{P}/users/jobs/export", new { file_format = " CSV " });
        Assert.Equal($"users-export-{Id(job)}.csv", job.GetProperty("file_name").GetString());
        Assert.Equal("csv", job.GetProperty("file_format").GetString());

        var refused = await http.PostJsonAsync($"{P}/users/jobs/export", new { file_format = "csv", group_id = 987654 }, HttpStatusCode.BadRequest);
        Http.AssertError(refused, "validation_failed", "group_id");
        Assert.Equal("names no user group of this application", Reason(refused, "group_id"));
    }

    [Fact]
    public async Task A_missing_job_or_file_is_404_with_its_code_and_message()
    {
        var http = await fixture.ClientAsync();
        var job = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, Bulk.Csv(Bulk.Header, Bulk.Row()), dryRun: true)));

        var noFile = await http.GetJsonAsync($"{P}/users/jobs/{Id(job)}/error", HttpStatusCode.NotFound);
        Http.AssertError(noFile, "file_not_found");
        Assert.Equal("This job has no such file (not written yet, or no longer kept).", noFile.GetProperty("message").GetString());

        var noJob = await http.GetJsonAsync($"{P}/users/jobs/{ApiFixture.NewApplicationId()}", HttpStatusCode.NotFound);
        Http.AssertError(noJob, "job_not_found");
        Assert.Equal("Job not found.", noJob.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_job_the_store_refuses_to_insert_is_answered_503_and_leaves_no_file_behind()
    {
        fixture.RequireStore();
        var http = await fixture.ClientAsync();
        var kept = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, Bulk.Csv(Bulk.Header, Bulk.Row()), "kept.csv", dryRun: true)));
        var refused = new List<BulkJob>();
        await using var refusing = RacingStore.InstanceOver<IBulkJobStore>(fixture, store =>
            RacingStore.Answering(store, nameof(IBulkJobStore.InsertAsync), args =>
            {
                lock (refused)
                {
                    refused.Add((BulkJob)args[0]!);
                }

                return Task.FromException(new StoreUnavailableException("bulk job store unavailable"));
            }));
        var raced = await refusing.CreateClient().WithTokenAsync(fixture);
        var files = refusing.Services.GetRequiredService<BulkFiles>();

        // An upload and a copy of a kept file: both files were written before the insert; both are removed.
        Http.AssertError(await Bulk.UploadAsync(raced, app, Bulk.Csv(Bulk.Header, Bulk.Row()), "upload.csv",
            status: HttpStatusCode.ServiceUnavailable), "store_unavailable");
        var link = Bulk.Link(kept, "file");
        Http.AssertError(await raced.PostJsonAsync($"{P}/users/jobs/import",
            new { absolute_url = "https://elsewhere.example" + link, relative_url = link, file_format = "csv" },
            HttpStatusCode.ServiceUnavailable), "store_unavailable");

        Assert.Equal(2, refused.Count);
        foreach (var job in refused)
        {
            Assert.False(File.Exists(files.PathOf(job, JobFileKind.File)), $"{job.FileName} was left behind");
            await http.GetJsonAsync($"{P}/users/jobs/{job.Id}", HttpStatusCode.NotFound);
        }

        // The kept file itself is untouched.
        Assert.True(File.Exists(files.PathOf(await FindAsync(Id(kept)), JobFileKind.File)));
    }

    private async Task<BulkJob> FindAsync(string jobId) =>
        (await fixture.Services.GetRequiredService<IBulkJobStore>().FindAsync(new UserAuth.Api.Common.Tenant("1001", app), jobId,
            CancellationToken.None))!;
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteBulkJobRulesApiTests(SqliteApiFixture fixture) : BulkJobRulesApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoBulkJobRulesApiTests(MongoApiFixture fixture) : BulkJobRulesApiTests(fixture);
