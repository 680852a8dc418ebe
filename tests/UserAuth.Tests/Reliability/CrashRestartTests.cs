using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using UserAuth.Tests.BulkJobs;
using UserAuth.Tests.Infrastructure;
using ServiceProcess = UserAuth.Tests.Infrastructure.ServiceProcess;

namespace UserAuth.Tests.Reliability;

/// <summary>
/// Issue 14, crashes and restarts: the built service in its own process over a SQLite file is SIGKILLed during a flood
/// of writes, during group processing and during an import job, then started again on the same file. Every
/// acknowledged write is there, no job item is applied twice, and <see cref="StoreChecker"/> finds nothing
/// inconsistent. CI runs one kill per scenario; <c>USERAUTH_CRASH_ROUNDS=N</c> repeats the flood N times (the long
/// run, see docs/RELIABILITY.md).
/// </summary>
public sealed class CrashRestartTests() : CrashTestBase("userauth-crash-")
{
    private string DatabasePath => Path.Combine(Folder, "userauth.db");

    private Dictionary<string, string?> Settings()
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Provider"] = "Sqlite";
        settings["Storage:Sqlite:Path"] = DatabasePath;
        settings["BulkJobs:Directory"] = Path.Combine(Folder, "jobs");
        settings["Logging:Json"] = "true";
        // Small batches (many checkpoints to die between) and short leases (a dead process's job is taken over soon).
        settings["Jobs:BatchSize"] = "20";
        settings["Jobs:LeaseSeconds"] = "2";
        settings["Jobs:PollIntervalMs"] = "100";
        settings["BulkJobs:BatchSize"] = "25";
        settings["BulkJobs:LeaseSeconds"] = "2";
        settings["BulkJobs:PollSeconds"] = "0.2";
        return settings;
    }

    private Task<ServiceProcess> StartAsync() => StartAsync(Settings());

    private async Task AssertConsistentAsync()
    {
        var problems = await StoreChecker.CheckSqliteAsync(DatabasePath);
        Assert.True(problems.Count == 0, "the store is inconsistent:\n" + string.Join('\n', problems));
    }

    [Fact]
    public async Task A_SIGKILL_during_a_flood_of_creates_and_updates_loses_no_acknowledged_write()
    {
        var app = ApiFixture.NewApplicationId();
        var acknowledged = new ConcurrentDictionary<string, string>(); // user id -> last acknowledged first_name
        var inFlight = new ConcurrentDictionary<string, string>();      // user id -> the first_name of an update not answered
        var updates = 0;                                                 // acknowledged updates (for the figures)
        await FloodAndKillAsync(Settings(), writers: 6, async (http, i, mine, stop) =>
        {
            if (i % 3 == 2 && mine.Count > 0)
            {
                var id = mine[i % mine.Count];
                var name = $"gen{i}";
                inFlight[id] = name;
                var updated = await http.PutAsync($"{Http.App(app)}/customers/{id}", Http.Json(new { first_name = name }), stop);
                if (updated.StatusCode == HttpStatusCode.OK)
                {
                    acknowledged[id] = name;
                    Interlocked.Increment(ref updates);
                }

                inFlight.TryRemove(id, out _);
            }
            else
            {
                var created = await http.PostAsync($"{Http.App(app)}/customers", Http.Json(Build.User(firstName: "gen0")), stop);
                if (created.StatusCode == HttpStatusCode.OK)
                {
                    var id = (await created.ReadJsonAsync()).GetProperty("user").GetProperty("_id").GetString()!;
                    acknowledged[id] = "gen0";
                    mine.Add(id);
                }
            }
        }, () => acknowledged.Count, writesPerRound: 150, timeout: TimeSpan.FromSeconds(20));

        var restarted = await StartAsync();
        var reader = await restarted.ClientAsync();
        var listed = await ListAllAsync(reader, app);
        Assert.True(acknowledged.Count >= 30, $"only {acknowledged.Count} writes were acknowledged");
        foreach (var (id, name) in acknowledged)
        {
            Assert.True(listed.TryGetValue(id, out var user), $"acknowledged user {id} is missing after the SIGKILL");
            var stored = user.GetProperty("first_name").GetString();
            Assert.True(stored == name || (inFlight.TryGetValue(id, out var later) && stored == later),
                $"user {id} has first_name {stored}, acknowledged {name}");
        }

        await AssertConsistentAsync();
        TestContext.Current.TestOutputHelper?.WriteLine($"{Rounds} SIGKILL(s), {acknowledged.Count + updates} acknowledged writes " +
            $"({acknowledged.Count} creates, {updates} updates), {listed.Count} users listed, none missing or stale");
    }

    [Fact]
    public async Task A_SIGKILL_during_group_processing_then_a_restart_applies_every_member_once()
    {
        await using var files = await LoopbackFileServer.StartAsync();
        var app = ApiFixture.NewApplicationId();
        var service = await StartAsync();
        var http = await service.ClientAsync();
        var users = await Task.WhenAll(Enumerable.Range(0, 300).Select(async _ =>
            (await http.PostJsonAsync($"{Http.App(app)}/customers", Build.User())).GetProperty("user").GetProperty("_id").GetString()!));
        var url = files.Serve($"{app}.csv", "user_id,action\n" + string.Join('\n', users.Select(u => $"{u},add")) + "\n");

        var group = await http.PostJsonAsync($"{Http.App(app)}/user_group", new { name = "crash", description = "killed mid-run", file_url = url });
        var uid = group.GetProperty("uid").GetInt64();
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until && (await http.GetJsonAsync($"{Http.App(app)}/user_group/{uid}/users?page_size=1"))
                   .GetProperty("page").GetProperty("item_total").GetInt64() == 0)
        {
            await Task.Delay(10, Ct);
        }

        var statusAtKill = (await http.GetJsonAsync($"{Http.App(app)}/user_group/{uid}")).GetProperty("status").GetString();
        await service.KillAsync();

        var restarted = await StartAsync();
        var again = await restarted.ClientAsync();
        var done = await Groups.GroupTestSupport.WaitDoneAsync(again, Http.App(app), uid);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        var members = await Groups.GroupTestSupport.MembersAsync(again, Http.App(app), uid);
        Assert.Equal(users.Order(StringComparer.Ordinal), members.Order(StringComparer.Ordinal));
        Assert.Equal(0, done.TryGetProperty("error_count", out var errors) ? errors.GetInt64() : 0);
        await AssertConsistentAsync();
        TestContext.Current.TestOutputHelper?.WriteLine($"killed while the group was {statusAtKill}; {members.Count} members after the restart");
    }

    [Fact]
    public async Task A_SIGKILL_during_an_import_job_then_a_restart_imports_every_row_once()
    {
        const int rows = 1500;
        var app = ApiFixture.NewApplicationId();
        var service = await StartAsync();
        var http = await service.ClientAsync();
        var file = Bulk.Csv([Bulk.Header, .. Enumerable.Range(0, rows).Select(_ => Bulk.Row())]);
        var job = await Bulk.UploadAsync(http, app, file);
        var jobId = job.GetProperty("_id").GetString()!;

        var until = DateTime.UtcNow.AddSeconds(60);
        long doneAtKill;
        while (true)
        {
            var state = await http.GetJsonAsync($"{Http.App(app)}/users/jobs/{jobId}");
            doneAtKill = Bulk.Count(state).Success;
            if (doneAtKill > 0 || DateTime.UtcNow > until)
            {
                break;
            }

            await Task.Delay(10, Ct);
        }

        await service.KillAsync();
        Assert.True(doneAtKill < rows, $"the job finished ({doneAtKill} rows) before the kill: make the file larger");

        var restarted = await StartAsync();
        var again = await restarted.ClientAsync();
        var finished = await Bulk.WaitAsync(again, app, jobId, seconds: 120);
        Assert.Equal("completed", finished.GetProperty("status").GetString());
        Assert.Equal((rows, rows, 0L), Bulk.Count(finished));
        var listed = await ListAllAsync(again, app);
        Assert.Equal(rows, listed.Count);
        await AssertConsistentAsync();
        TestContext.Current.TestOutputHelper?.WriteLine($"killed after {doneAtKill} of {rows} rows; {listed.Count} users after the restart, 0 errors");
    }

    /// <summary>Every user of the application by id, through the listing.</summary>
    internal static async Task<Dictionary<string, JsonElement>> ListAllAsync(HttpClient http, string app)
    {
        var all = new Dictionary<string, JsonElement>();
        for (var page = 1; ; page++)
        {
            var body = await http.GetJsonAsync($"{Http.App(app)}/customers/list?page_size=100&page_no={page}");
            var items = body.GetProperty("items").EnumerateArray().ToList();
            foreach (var item in items)
            {
                all[item.GetProperty("_id").GetString()!] = item.Clone();
            }

            if (items.Count == 0 || !body.GetProperty("page").GetProperty("has_next").GetBoolean())
            {
                return all;
            }
        }
    }
}
