using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using UserAuth.Tests.BulkJobs;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Hosting;

/// <summary>
/// SIGTERM with a request in flight and an import job running, on the service as its own process: the service stops
/// taking connections, the request finishes and its write is kept, the job gives its lease back at its last checkpoint
/// (it is neither finished nor lost), the process exits 0 within the deadline, and the next start finishes the job
/// with every row applied exactly once.
/// </summary>
public abstract class GracefulShutdownTests(ApiFixture fixture)
{
    private const int DeadlineSeconds = 20;

    private Dictionary<string, string?> FreshStore()
    {
        fixture.RequireStore();
        var folder = Path.Combine(Path.GetTempPath(), "userauth-shutdown-" + Guid.NewGuid().ToString("N")[..12]);
        var settings = new Dictionary<string, string?>(fixture.StoreSettings)
        {
            ["BulkJobs:Directory"] = Path.Combine(folder, "jobs"),
            ["Shutdown:DeadlineSeconds"] = DeadlineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // A lease longer than the test: only a lease given back lets the next start resume the job in time.
            ["BulkJobs:LeaseSeconds"] = "600",
            ["BulkJobs:PollSeconds"] = "0.2",
            ["BulkJobs:BatchSize"] = "100",
        };
        if (fixture.Store == StoreKind.Sqlite)
        {
            settings["Storage:Sqlite:Path"] = Path.Combine(folder, "userauth.db");
        }
        else
        {
            settings["Storage:MongoDb:Database"] = "userauth_shutdown_" + Guid.NewGuid().ToString("N")[..12];
        }

        return settings;
    }

    [Fact]
    public async Task On_sigterm_the_request_in_flight_finishes_and_the_job_checkpoints_and_resumes_once()
    {
        var store = FreshStore();
        var app = ApiFixture.NewApplicationId();
        var other = ApiFixture.NewApplicationId();
        const int rows = 10_000;
        var file = new StringBuilder(Bulk.Header).Append("\r\n");
        for (var i = 0; i < rows; i++)
        {
            file.Append(Bulk.Row()).Append("\r\n");
        }

        await using var first = await GracefulProcess.StartAsync(store);
        var job = await Bulk.UploadAsync(first.Client, app, Encoding.UTF8.GetBytes(file.ToString()));
        var jobId = job.GetProperty("_id").GetString()!;
        while (Bulk.Count(await first.Client.GetJsonAsync($"{Http.App(app)}/users/jobs/{jobId}")).Total < 100)
        {
            await Task.Delay(20);
        }

        // A createUser whose body arrives in two halves, the second after SIGTERM.
        var body = JsonSerializer.SerializeToUtf8Bytes(Build.User());
        var halfSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var slowClient = first.NewClient();
        var slow = slowClient.PostAsync($"{Http.App(other)}/customers", new TwoPartContent(body, halfSent, release.Task));
        await halfSent.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var stopping = Stopwatch.StartNew();
        first.Terminate();
        // Stopping: no new connections are taken, while the request in flight is waited for.
        await Task.Delay(500);
        using (var late = first.NewClient())
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => late.GetAsync("/health/live"));
        }

        Assert.False(first.HasExited, "the process exited with a request in flight");
        release.SetResult();
        var created = await (await slow).ExpectAsync(HttpStatusCode.OK);
        var userId = created.GetProperty("user").GetProperty("_id").GetString();
        Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(DeadlineSeconds)), "the process did not exit within the deadline");
        Assert.Equal(0, first.ExitCode);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(DeadlineSeconds), $"stopping took {stopping.Elapsed}");

        // The job was paused, not finished and not lost: a start that runs no jobs sees it part-way, from its checkpoint.
        long paused;
        await using (var reader = await GracefulProcess.StartAsync(store, ("BulkJobs:RunJobs", "false")))
        {
            var now = await reader.Client.GetJsonAsync($"{Http.App(app)}/users/jobs/{jobId}");
            Assert.Contains(now.GetProperty("status").GetString(), new[] { "pending", "running" });
            paused = Bulk.Count(now).Total;
            Assert.InRange(paused, 100, rows - 1);
            var list = await reader.Client.GetJsonAsync($"{Http.App(other)}/customers/list");
            Assert.Equal(userId, Assert.Single(list.GetProperty("items").EnumerateArray().ToList()).GetProperty("_id").GetString());
            reader.Terminate();
            Assert.True(await reader.WaitForExitAsync(TimeSpan.FromSeconds(DeadlineSeconds)));
        }

        // The next start resumes it at once (its lease was given back; it would otherwise hold for 600 s) and applies
        // every row exactly once.
        await using var second = await GracefulProcess.StartAsync(store);
        var done = await Bulk.WaitAsync(second.Client, app, jobId, seconds: 240);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(((long)rows, (long)rows, 0L), Bulk.Count(done));
        Assert.Equal(rows, (await second.Client.GetJsonAsync($"{Http.App(app)}/customers/list")).GetProperty("page").GetProperty("item_total").GetInt64());
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

/// <summary>The service as its own process, stopped the way an orchestrator stops it (SIGTERM).</summary>
internal sealed class GracefulProcess : IAsyncDisposable
{
    private readonly Process process;

    private GracefulProcess(Process process, HttpClient client)
    {
        this.process = process;
        Client = client;
    }

    /// <summary>A client with the main test client's token.</summary>
    public HttpClient Client { get; }

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>A client on a connection of its own, with the same token.</summary>
    public HttpClient NewClient()
    {
        var http = new HttpClient { BaseAddress = Client.BaseAddress };
        http.DefaultRequestHeaders.Authorization = Client.DefaultRequestHeaders.Authorization;
        return http;
    }

    public static async Task<GracefulProcess> StartAsync(IReadOnlyDictionary<string, string?> store, params (string Key, string? Value)[] extra)
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
        foreach (var (key, value) in store.Concat(extra.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value))))
        {
            settings[key] = value;
        }

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
        return new GracefulProcess(process, http);
    }

    /// <summary>Sends SIGTERM, as <c>docker stop</c> and Kubernetes do.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        kill.WaitForExit();
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
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
public sealed class SqliteGracefulShutdownTests(SqliteApiFixture fixture) : GracefulShutdownTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoGracefulShutdownTests(MongoApiFixture fixture) : GracefulShutdownTests(fixture);
