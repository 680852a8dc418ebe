using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using UserAuth.Tests.BulkJobs;
using UserAuth.Tests.Infrastructure;
using ServiceProcess = UserAuth.Tests.Infrastructure.ServiceProcess;

namespace UserAuth.Tests.Reliability;

/// <summary>
/// Issue 14, graceful shutdown: SIGTERM to the service as its own process while a request is in flight (its body's
/// second half is sent only after the signal) and an import job runs. The service stops taking connections, the
/// request finishes (200) and its write is kept, the process exits 0 within <c>Shutdown:DeadlineSeconds</c>, and the
/// job gives its lease back at its last checkpoint: a start that runs no jobs sees it part-way, and the next start
/// resumes it at once (its lease, 600 s, would otherwise hold it) and applies every row exactly once.
/// </summary>
public abstract class GracefulShutdownTests(ApiFixture fixture) : IAsyncLifetime
{
    private const int DeadlineSeconds = 20;
    private const int Rows = 3_000;

    private readonly string folder = Path.Combine(Path.GetTempPath(), "userauth-shutdown-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<ServiceProcess> started = [];

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in started)
        {
            await service.DisposeAsync();
        }

        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Dictionary<string, string?> Settings(string database, bool runJobs = true)
    {
        var settings = ApiFactory.BaseSettings();
        foreach (var (key, value) in fixture.StoreSettings)
        {
            settings[key] = value;
        }

        settings["BulkJobs:Directory"] = Path.Combine(folder, "jobs");
        settings["Shutdown:DeadlineSeconds"] = DeadlineSeconds.ToString(CultureInfo.InvariantCulture);
        // A lease longer than the test: only a lease given back lets the next start resume the job in time.
        settings["Jobs:LeaseSeconds"] = "600";
        settings["Jobs:PollIntervalMs"] = "100";
        settings["Jobs:Enabled"] = runJobs ? "true" : "false";
        settings["BulkJobs:BatchSize"] = "5";
        if (fixture.Store == StoreKind.Sqlite)
        {
            settings["Storage:Sqlite:Path"] = Path.Combine(folder, "userauth.db");
        }
        else
        {
            settings["Storage:MongoDb:Database"] = database;
        }

        return settings;
    }

    private async Task<ServiceProcess> StartAsync(Dictionary<string, string?> settings)
    {
        var service = await ServiceProcess.StartAsync(settings);
        started.Add(service);
        return service;
    }

    [Fact]
    public async Task On_sigterm_the_request_in_flight_finishes_and_the_job_checkpoints_and_resumes_once()
    {
        fixture.RequireStore();
        var database = "userauth_shutdown_" + Guid.NewGuid().ToString("N")[..12];
        var app = ApiFixture.NewApplicationId();
        var other = ApiFixture.NewApplicationId();
        var file = new StringBuilder(Bulk.Header).Append("\r\n");
        for (var i = 0; i < Rows; i++)
        {
            file.Append(Bulk.Row()).Append("\r\n");
        }

        var clock = Stopwatch.StartNew();
        var first = await StartAsync(Settings(database));
        TestContext.Current.TestOutputHelper?.WriteLine($"T started {clock.Elapsed}");
        using var http = await first.ClientAsync();
        var job = await Bulk.UploadAsync(http, app, Encoding.UTF8.GetBytes(file.ToString()));
        var jobId = job.GetProperty("_id").GetString()!;
        var waited = Stopwatch.StartNew();
        while (Bulk.Count(await http.GetJsonAsync($"{Http.App(app)}/users/jobs/{jobId}")).Total < 10)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(120), "the import did not start");
            await Task.Delay(20);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"T job begun {clock.Elapsed}");
        // A createUser whose body arrives in two halves, the second after SIGTERM.
        var body = JsonSerializer.SerializeToUtf8Bytes(Build.User());
        var halfSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var slowClient = await first.ClientAsync();
        var slow = slowClient.PostAsync($"{Http.App(other)}/customers", new TwoPartContent(body, halfSent, release.Task));
        await halfSent.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var stopping = Stopwatch.StartNew();
        first.Terminate();
        // Stopping: new connections are refused (polled: the listener closes once the host has begun to stop) while
        // the request in flight is waited for.
        var refused = false;
        while (!refused && stopping.Elapsed < TimeSpan.FromSeconds(DeadlineSeconds / 2))
        {
            using var late = first.Anonymous();
            late.Timeout = TimeSpan.FromSeconds(2);
            try
            {
                using var answer = await late.GetAsync("/health/live");
                await Task.Delay(50);
            }
            catch (HttpRequestException)
            {
                refused = true;
            }
            catch (TaskCanceledException)
            {
                await Task.Delay(50);
            }
        }

        Assert.True(refused, "new connections were still taken while stopping");
        Assert.False(first.HasExited, "the process exited with a request in flight");
        release.SetResult();
        using var answered = await slow;
        var text = await answered.Content.ReadAsStringAsync();
        Assert.True(answered.StatusCode == HttpStatusCode.OK,
            $"the request in flight was answered {(int)answered.StatusCode}: {text}\nservice output:\n{first.Output}");
        var userId = JsonDocument.Parse(text).RootElement.GetProperty("user").GetProperty("_id").GetString();
        Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(DeadlineSeconds + 10)),
            $"the process did not exit within the deadline\n{first.Output}");
        Assert.True(first.ExitCode == 0, $"exit code {first.ExitCode}\n{first.Output}");
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(DeadlineSeconds), $"stopping took {stopping.Elapsed}");

        TestContext.Current.TestOutputHelper?.WriteLine($"T stopped {clock.Elapsed}");
        // The job was paused, not finished and not lost: a start that runs no jobs sees it part-way, from its checkpoint.
        var reader = await StartAsync(Settings(database, runJobs: false));
        using (var readHttp = await reader.ClientAsync())
        {
            var now = await readHttp.GetJsonAsync($"{Http.App(app)}/users/jobs/{jobId}");
            Assert.Contains(now.GetProperty("status").GetString(), new[] { "pending", "running" });
            var paused = Bulk.Count(now).Total;
            TestContext.Current.TestOutputHelper?.WriteLine($"T paused at {paused} {clock.Elapsed}");
            Assert.InRange(paused, 10, Rows - 1);
            var list = await readHttp.GetJsonAsync($"{Http.App(other)}/customers/list");
            Assert.Equal(userId, Assert.Single(list.GetProperty("items").EnumerateArray().ToList()).GetProperty("_id").GetString());
        }

        reader.Terminate();
        Assert.True(await reader.WaitForExitAsync(TimeSpan.FromSeconds(DeadlineSeconds + 10)), reader.Output);
        Assert.Equal(0, reader.ExitCode);

        // The next start resumes it at once (its lease was given back; it would otherwise hold for 600 s) and applies
        // every row exactly once.
        var second = await StartAsync(Settings(database));
        using var secondHttp = await second.ClientAsync();
        var done = await Bulk.WaitAsync(secondHttp, app, jobId, seconds: 300);
        TestContext.Current.TestOutputHelper?.WriteLine($"T done {clock.Elapsed}");
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(((long)Rows, (long)Rows, 0L), Bulk.Count(done));
        Assert.Equal(Rows, (await secondHttp.GetJsonAsync($"{Http.App(app)}/customers/list")).GetProperty("page").GetProperty("item_total").GetInt64());
        if (fixture.Store == StoreKind.Sqlite)
        {
            second.Terminate();
            Assert.True(await second.WaitForExitAsync(TimeSpan.FromSeconds(DeadlineSeconds + 10)), second.Output);
            var problems = await StoreChecker.CheckSqliteAsync(Path.Combine(folder, "userauth.db"));
            Assert.True(problems.Count == 0, "the store is inconsistent:\n" + string.Join('\n', problems));
        }
    }

    /// <summary>A JSON body sent in two halves: the second only once the release task completes.</summary>
    private sealed class TwoPartContent : HttpContent
    {
        private readonly byte[] body;
        private readonly TaskCompletionSource halfSent;
        private readonly Task release;

        public TwoPartContent(byte[] body, TaskCompletionSource halfSent, Task release)
        {
            this.body = body;
            this.halfSent = halfSent;
            this.release = release;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var half = body.Length / 2;
            await stream.WriteAsync(body.AsMemory(0, half));
            await stream.FlushAsync();
            halfSent.TrySetResult();
            await release;
            await stream.WriteAsync(body.AsMemory(half));
            await stream.FlushAsync();
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteGracefulShutdownTests(SqliteApiFixture fixture) : GracefulShutdownTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoGracefulShutdownTests(MongoApiFixture fixture) : GracefulShutdownTests(fixture);
