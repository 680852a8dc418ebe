using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common.Jobs;
using UserAuth.Api.Features.BulkJobs;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.BulkJobs;

/// <summary>
/// How jobs run: the snapshot rule, two instances over one store, resuming after the host is killed mid-job, and the
/// removal of expired files. Each test starts hosts of its own over a fresh store of the fixture's kind.
/// </summary>
public abstract class BulkJobsRunTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private static string Id(JsonElement job) => job.GetProperty("_id").GetString()!;

    /// <summary>Settings of a fresh store of the fixture's kind (its own SQLite file or MongoDB database, its own job folder).</summary>
    private Dictionary<string, string?> FreshStore()
    {
        fixture.RequireStore();
        var folder = Path.Combine(Path.GetTempPath(), "userauth-bulk-" + Guid.NewGuid().ToString("N")[..12]);
        var settings = new Dictionary<string, string?>(fixture.StoreSettings)
        {
            ["BulkJobs:Directory"] = Path.Combine(folder, "jobs"),
        };
        if (fixture.Store == StoreKind.Sqlite)
        {
            settings["Storage:Sqlite:Path"] = Path.Combine(folder, "userauth.db");
        }
        else
        {
            settings["Storage:MongoDb:Database"] = "userauth_bulk_" + Guid.NewGuid().ToString("N")[..12];
        }

        return settings;
    }

    private static ApiFactory Host(Dictionary<string, string?> store, params (string Key, string? Value)[] extra)
    {
        var settings = ApiFactory.BaseSettings();
        foreach (var (key, value) in store)
        {
            settings[key] = value;
        }

        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var factory = new ApiFactory(settings);
        _ = factory.Server;
        return factory;
    }

    private static async Task<HttpClient> ClientAsync(ApiFactory factory)
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ApiFixture.TokenAsync(http, TestClients.Main));
        return http;
    }

    private static string Rows(int count, Func<int, string?>? special = null)
    {
        var text = new StringBuilder(Bulk.Header).Append("\r\n");
        for (var i = 0; i < count; i++)
        {
            text.Append(special?.Invoke(i) ?? Bulk.Row()).Append("\r\n");
        }

        return text.ToString();
    }

    [Fact]
    public async Task An_export_writes_the_users_of_its_start_not_those_created_while_it_waits_or_runs()
    {
        await using var host = Host(FreshStore(), ("Jobs:Enabled", "false"));
        var http = await ClientAsync(host);
        var before = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            before.Add((await http.NewCustomerAsync(app, Build.User())).Username);
        }

        var created = await http.PostJsonAsync($"{P}/users/jobs/export", new { file_format = "csv" });
        Assert.Equal("pending", created.GetProperty("status").GetString());
        await Task.Delay(10);
        for (var i = 0; i < 2; i++)
        {
            await http.NewCustomerAsync(app, Build.User());
        }

        Assert.Equal("pending", (await http.GetJsonAsync($"{P}/users/jobs/{Id(created)}")).GetProperty("status").GetString());
        Assert.True(await host.Services.GetRequiredService<JobWorker>().RunOneAsync(CancellationToken.None));

        var done = await http.GetJsonAsync($"{P}/users/jobs/{Id(created)}");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        var rows = Bulk.ParseCsv(await Bulk.DownloadAsync(http, Bulk.Link(done, "file")));
        Assert.Equal(before, rows.Skip(1).Select(r => r[0]));
    }

    [Fact]
    public async Task Two_instances_never_claim_the_same_job_and_share_the_work()
    {
        var store = FreshStore();
        await using var a = Host(store, ("Jobs:Enabled", "false"));
        await using var b = Host(store, ("Jobs:Enabled", "false"));
        var http = await ClientAsync(a);
        var jobIds = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            jobIds.Add(Id(await Bulk.UploadAsync(http, app, Encoding.UTF8.GetBytes(Rows(50)))));
        }

        // Both instances' workers race for every job (16 claims for 4 jobs): each job is claimed and run exactly once.
        var workers = new[] { a.Services.GetRequiredService<JobWorker>(), b.Services.GetRequiredService<JobWorker>() };
        var ran = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => workers[i % 2].RunOneAsync(CancellationToken.None))));
        Assert.Equal(4, ran.Count(r => r));
        Assert.False(await workers[0].RunOneAsync(CancellationToken.None));

        foreach (var id in jobIds)
        {
            var job = await http.GetJsonAsync($"{P}/users/jobs/{id}");
            Assert.Equal("completed", job.GetProperty("status").GetString());
            Assert.Equal((50L, 50L, 0L), Bulk.Count(job));
        }

        Assert.Equal(200, (await http.GetJsonAsync($"{P}/customers/list")).GetProperty("page").GetProperty("item_total").GetInt64());
    }

    [Fact]
    public async Task The_bulk_jobs_queue_metric_reports_the_real_depth_and_the_status_moves_pending_running_completed()
    {
        await using var host = Host(FreshStore(), ("Jobs:Enabled", "false"));
        var http = await ClientAsync(host);
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add(Id(await http.PostJsonAsync($"{P}/users/jobs/export", new { file_format = "csv" })));
        }

        var worker = host.Services.GetRequiredService<JobWorker>();
        await worker.ReportQueuesAsync(CancellationToken.None);
        Assert.Equal(12, await QueueDepthAsync(host));
        foreach (var id in ids)
        {
            Assert.Equal("pending", (await http.GetJsonAsync($"{P}/users/jobs/{id}")).GetProperty("status").GetString());
        }

        // One run: that job completes and leaves the queue.
        Assert.True(await worker.RunOneAsync(CancellationToken.None));
        await worker.ReportQueuesAsync(CancellationToken.None);
        Assert.Equal(11, await QueueDepthAsync(host));
        var statuses = new List<string>();
        foreach (var id in ids)
        {
            statuses.Add((await http.GetJsonAsync($"{P}/users/jobs/{id}")).GetProperty("status").GetString()!);
        }

        Assert.Equal(1, statuses.Count(s => s == "completed"));
        Assert.Equal(11, statuses.Count(s => s == "pending"));
        while (await worker.RunOneAsync(CancellationToken.None))
        {
        }

        await worker.ReportQueuesAsync(CancellationToken.None);
        Assert.Equal(0, await QueueDepthAsync(host));
    }

    [Fact]
    public async Task A_job_is_running_while_its_run_is_in_progress()
    {
        await using var host = Host(FreshStore(), ("Jobs:Enabled", "false"), ("BulkJobs:BatchSize", "1"));
        var http = await ClientAsync(host);
        var created = await Bulk.UploadAsync(http, app, Encoding.UTF8.GetBytes(Rows(400)));
        var worker = host.Services.GetRequiredService<JobWorker>();
        var run = Task.Run(() => worker.RunOneAsync(CancellationToken.None));
        var seen = new HashSet<string>();
        while (!run.IsCompleted)
        {
            seen.Add((await http.GetJsonAsync($"{P}/users/jobs/{Id(created)}")).GetProperty("status").GetString()!);
        }

        Assert.True(await run);
        Assert.Contains("running", seen);
        Assert.Equal("completed", (await http.GetJsonAsync($"{P}/users/jobs/{Id(created)}")).GetProperty("status").GetString());
    }

    /// <summary>
    /// The last reported depth of the bulk_jobs queue, observed on this host's own meter (<c>userauth.jobs.queue.depth</c>,
    /// exported as <c>userauth_jobs_queue_depth</c>). Not read from the /metrics scrape: the exporter listens to every
    /// meter of that name in the process, so hosts of other tests running in parallel add their own series to it.
    /// </summary>
    private static Task<long> QueueDepthAsync(ApiFactory host)
    {
        var meters = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        host.Services.GetRequiredService<UserAuth.Api.Common.ServiceMetrics>();
        long? depth = null;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "userauth.jobs.queue.depth" && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "queue" && (string?)tag.Value == "bulk_jobs")
                {
                    depth = value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return Task.FromResult(depth ?? throw new InvalidOperationException("no bulk_jobs queue depth reported"));
    }

    [Fact]
    public async Task Two_running_instances_finish_every_job_once()
    {
        var store = FreshStore();
        await using var a = Host(store, ("Jobs:PollIntervalMs", "100"), ("BulkJobs:BatchSize", "20"));
        await using var b = Host(store, ("Jobs:PollIntervalMs", "100"), ("BulkJobs:BatchSize", "20"));
        var httpA = await ClientAsync(a);
        var httpB = await ClientAsync(b);
        var jobIds = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            jobIds.Add(Id(await Bulk.UploadAsync(i % 2 == 0 ? httpA : httpB, app, Encoding.UTF8.GetBytes(Rows(100, r => r == 7 ? Bulk.Row(phone: "1") : null)))));
        }

        foreach (var id in jobIds)
        {
            var job = await Bulk.WaitAsync(httpA, app, id);
            Assert.Equal((100L, 99L, 1L), Bulk.Count(job));
            Assert.Equal(2, Bulk.ParseCsv(await Bulk.DownloadAsync(httpB, Bulk.Link(job, "error"))).Count);
        }

        Assert.Equal(594, (await httpA.GetJsonAsync($"{P}/customers/list")).GetProperty("page").GetProperty("item_total").GetInt64());
    }

    [Fact]
    public async Task An_import_downloads_its_absolute_url_under_the_fetch_policy()
    {
        await using var files = await LoopbackFileServer.StartAsync();
        await using var host = Host(FreshStore(), ("FileFetch:AllowLoopback", "true"));
        var http = await ClientAsync(host);
        var url = files.Serve("customers.csv", Rows(3, r => r == 1 ? Bulk.Row(phone: "1") : null));
        var created = await http.PostJsonAsync($"{P}/users/jobs/import", new { absolute_url = url, relative_url = "", file_format = "csv" });
        Assert.Equal("customers.csv", created.GetProperty("file_name").GetString());
        var job = await Bulk.WaitAsync(http, app, Id(created));
        Assert.Equal((3L, 2L, 1L), Bulk.Count(job));
        Assert.Equal(Rows(0), Encoding.UTF8.GetString(await Bulk.DownloadAsync(http, Bulk.Link(job, "file")))[..(Bulk.Header.Length + 2)]);

        var missing = await Bulk.WaitAsync(http, app, Id(await http.PostJsonAsync($"{P}/users/jobs/import",
            new { absolute_url = files.Url("nothing-here.csv"), relative_url = "", file_format = "csv" })));
        Assert.Equal("failed", missing.GetProperty("status").GetString());
        Assert.Contains("could not be downloaded", missing.GetProperty("failure_reason").GetString(), StringComparison.Ordinal);

        // The job's file is named after the URL's last segment, unescaped; a URL ending in "/" names none.
        files.Serve("my users.csv", Rows(1));
        var spaced = await http.PostJsonAsync($"{P}/users/jobs/import", new { absolute_url = files.Url("my%20users.csv"), relative_url = "", file_format = "csv" });
        Assert.Equal("my users.csv", spaced.GetProperty("file_name").GetString());
        Assert.Equal((1L, 1L, 0L), Bulk.Count(await Bulk.WaitAsync(http, app, Id(spaced))));
        var folder = await http.PostJsonAsync($"{P}/users/jobs/import", new { absolute_url = files.Url(""), relative_url = "", file_format = "xlsx" });
        Assert.Equal($"users-import-{Id(folder)}.xlsx", folder.GetProperty("file_name").GetString());
        Assert.Equal("failed", (await Bulk.WaitAsync(http, app, Id(folder))).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_export_filtered_by_group_writes_only_its_members()
    {
        await using var files = await LoopbackFileServer.StartAsync();
        await using var host = Host(FreshStore(), ("FileFetch:AllowLoopback", "true"));
        var http = await ClientAsync(host);
        var users = new List<CreatedUser>();
        for (var i = 0; i < 5; i++)
        {
            users.Add(await http.NewCustomerAsync(app));
        }

        // users[4] is a member while archived: a group lists live users only, so the export leaves it out.
        var url = files.Serve("members.csv", "email,action\n" + $"{users[1].Email},add\n{users[3].Email},add\n{users[4].Email},add\n");
        var group = await http.PostJsonAsync($"{P}/user_group", new { name = "vip", description = "d", file_url = url });
        var uid = group.GetProperty("uid").GetInt64();
        Assert.Equal("completed", (await Groups.GroupTestSupport.WaitDoneAsync(http, P, uid)).GetProperty("status").GetString());
        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = users[4].Id });

        var job = await Bulk.WaitAsync(http, app, Id(await http.PostJsonAsync($"{P}/users/jobs/export", new { file_format = "csv", group_id = uid })));
        Assert.Equal((2L, 2L, 0L), Bulk.Count(job));
        var emails = Bulk.ParseCsv(await Bulk.DownloadAsync(http, Bulk.Link(job, "file"))).Skip(1).Select(r => r[4]).ToList();
        Assert.Equal([users[1].Email, users[3].Email], emails);
        var archived = await Bulk.WaitAsync(http, app, Id(await http.PostJsonAsync($"{P}/users/jobs/export",
            new { file_format = "csv", group_id = uid, status = "archived" })));
        Assert.Equal((0L, 0L, 0L), Bulk.Count(archived));

        // A conditional group: its members among each page come from one attribute query.
        var tier = Attributes.AttributeApi.Id(await Attributes.AttributeApi.DefineAsync(http, app, "string"));
        await Attributes.AttributeApi.SetAsync(http, app, tier, users[0].Id, "gold");
        await Attributes.AttributeApi.SetAsync(http, app, tier, users[2].Id, "gold");
        await Attributes.AttributeApi.SetAsync(http, app, tier, users[3].Id, "silver");
        var gold = await http.PostJsonAsync($"{P}/user_group", new
        {
            name = "gold", description = "d", type = "conditional",
            conditions = new[] { new { user_attribute_definition_id = tier, type = "eq", value = "gold" } },
        });
        var conditional = await Bulk.WaitAsync(http, app, Id(await http.PostJsonAsync($"{P}/users/jobs/export",
            new { file_format = "csv", group_id = gold.GetProperty("uid").GetInt64() })));
        Assert.Equal((2L, 2L, 0L), Bulk.Count(conditional));
        Assert.Equal([users[0].Email, users[2].Email],
            Bulk.ParseCsv(await Bulk.DownloadAsync(http, Bulk.Link(conditional, "file"))).Skip(1).Select(r => r[4]).ToList());
        Http.AssertError(await http.PostJsonAsync($"{P}/users/jobs/export", new { file_format = "csv", group_id = uid + 100 }, HttpStatusCode.BadRequest),
            "validation_failed", "group_id");
    }

    [Fact]
    public async Task Expired_job_files_are_removed_by_the_background_pass()
    {
        await using var host = Host(FreshStore(), ("BulkJobs:FileRetentionHours", "0.0003"));
        var http = await ClientAsync(host);
        var job = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, Encoding.UTF8.GetBytes(Rows(2, r => r == 0 ? Bulk.Row(phone: "1") : null)))));
        var file = Bulk.Link(job, "file");
        await Bulk.DownloadAsync(http, Bulk.Link(job, "error"));
        await Task.Delay(1500);

        Assert.True(await host.Services.GetRequiredService<BulkFileSweeper>().SweepAsync(CancellationToken.None) >= 1);
        var after = await http.GetJsonAsync($"{P}/users/jobs/{Id(job)}");
        Assert.Empty(after.GetProperty("links").EnumerateObject());
        Assert.Equal((2L, 1L, 1L), Bulk.Count(after));
        await Bulk.DownloadAsync(http, file, HttpStatusCode.NotFound);
        var files = host.Services.GetRequiredService<BulkFiles>();
        Assert.Empty(Directory.Exists(files.Root) ? Directory.GetFiles(files.Root, Id(job) + "*", SearchOption.AllDirectories) : []);

        // A removed file can no longer be imported.
        var refused = await http.PostJsonAsync($"{P}/users/jobs/import", new { absolute_url = "https://elsewhere.example" + file, relative_url = file,
            file_format = "csv" }, HttpStatusCode.BadRequest);
        Http.AssertError(refused, "validation_failed", "relative_url");
        Assert.Equal("names no file this service keeps for this application",
            refused.GetProperty("errors")[0].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_pending_imports_file_is_served_at_once_and_an_exports_only_once_it_is_finished()
    {
        await using var host = Host(FreshStore(), ("Jobs:Enabled", "false"));
        var http = await ClientAsync(host);
        await http.NewCustomerAsync(app, Build.User());
        var upload = Encoding.UTF8.GetBytes(Rows(2, r => r == 0 ? Bulk.Row(phone: "1") : null));
        var import = await Bulk.UploadAsync(http, app, upload);
        var export = await http.PostJsonAsync($"{P}/users/jobs/export", new { file_format = "csv" });
        Assert.Equal("pending", (await http.GetJsonAsync($"{P}/users/jobs/{Id(import)}")).GetProperty("status").GetString());

        Assert.Equal(upload, await Bulk.DownloadAsync(http, $"{P}/users/jobs/{Id(import)}/file"));
        await Bulk.DownloadAsync(http, $"{P}/users/jobs/{Id(import)}/error", HttpStatusCode.NotFound);
        await Bulk.DownloadAsync(http, $"{P}/users/jobs/{Id(export)}/file", HttpStatusCode.NotFound);

        var worker = host.Services.GetRequiredService<JobWorker>();
        while (await worker.RunOneAsync(CancellationToken.None))
        {
        }

        Assert.Equal(2, Bulk.ParseCsv(await Bulk.DownloadAsync(http, $"{P}/users/jobs/{Id(import)}/error")).Count);
        Assert.Equal(2, Bulk.ParseCsv(await Bulk.DownloadAsync(http, $"{P}/users/jobs/{Id(export)}/file")).Count);
    }

    [Fact]
    public async Task An_import_resumes_after_its_host_is_killed_and_writes_every_row_exactly_once()
    {
        var store = FreshStore();
        const int rows = 6_000;
        // Some rows have a bad phone; every 997th repeats the username of the row before it.
        var file = Encoding.UTF8.GetBytes(Rows(rows, i => i % 101 == 50 ? Bulk.Row(phone: "1") : null));
        var lines = Encoding.UTF8.GetString(file).Split("\r\n");
        for (var i = 997; i < rows; i += 997)
        {
            var previous = lines[i].Split(',');
            var current = lines[i + 1].Split(',');
            current[0] = previous[0];
            lines[i + 1] = string.Join(',', current);
        }

        file = Encoding.UTF8.GetBytes(string.Join("\r\n", lines));
        static bool BadPhone(int d) => d % 101 == 50;
        // Data row d is spreadsheet row d + 2 (the header is row 1); a repeat of a rejected row is not a repeat.
        var bad = Enumerable.Range(0, rows).Where(d => BadPhone(d) || (d > 0 && d % 997 == 0 && !BadPhone(d - 1)))
            .Select(d => d + 2).ToHashSet();

        await using var first = await ServiceProcess.StartAsync(store);
        var http = first.Client;
        var job = await Bulk.UploadAsync(http, app, file);
        long seen;
        while (true)
        {
            var now = await http.GetJsonAsync($"{P}/users/jobs/{Id(job)}");
            seen = Bulk.Count(now).Total;
            Assert.Contains(now.GetProperty("status").GetString(), new[] { "pending", "running" });
            if (seen >= 1_000)
            {
                break;
            }

            await Task.Delay(10);
        }

        first.Kill();
        Assert.True(seen < rows, "the job finished before the host was killed; make the file larger");

        await using var second = await ServiceProcess.StartAsync(store);
        var done = await Bulk.WaitAsync(second.Client, app, Id(job), seconds: 180);
        Assert.Equal("partially_completed", done.GetProperty("status").GetString());
        Assert.Equal(((long)rows, (long)(rows - bad.Count), (long)bad.Count), Bulk.Count(done));
        var errors = Bulk.ParseCsv(await Bulk.DownloadAsync(second.Client, Bulk.Link(done, "error"))).Skip(1).Select(r => int.Parse(r[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(bad.Order(), errors);
        Assert.Equal(rows - bad.Count,
            (await second.Client.GetJsonAsync($"{P}/customers/list")).GetProperty("page").GetProperty("item_total").GetInt64());
    }
}

/// <summary>The service as its own process (dotnet UserAuth.Api.dll), so a test can kill it like a crash would.</summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process process;

    private ServiceProcess(Process process, HttpClient client)
    {
        this.process = process;
        Client = client;
    }

    public HttpClient Client { get; }

    public static async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string?> store)
    {
        var port = FreePort();
        var dll = typeof(Program).Assembly.Location;
        var info = new ProcessStartInfo("dotnet", ["exec", dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var settings = ApiFactory.BaseSettings();
        foreach (var (key, value) in store)
        {
            settings[key] = value;
        }

        settings["Jobs:LeaseSeconds"] = "2";
        settings["Jobs:PollIntervalMs"] = "200";
        settings["BulkJobs:BatchSize"] = "100";
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (process.HasExited || DateTime.UtcNow > until)
            {
                throw new InvalidOperationException($"the service did not start (exit: {(process.HasExited ? process.ExitCode : -1)})");
            }

            await Task.Delay(100);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ApiFixture.TokenAsync(http, TestClients.Main));
        return new ServiceProcess(process, http);
    }

    /// <summary>Kills the process at once (no graceful stop: its job lease stays held until it ends).</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            Kill();
        }

        process.Dispose();
        Client.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteBulkJobsRunTests(SqliteApiFixture fixture) : BulkJobsRunTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoBulkJobsRunTests(MongoApiFixture fixture) : BulkJobsRunTests(fixture);
