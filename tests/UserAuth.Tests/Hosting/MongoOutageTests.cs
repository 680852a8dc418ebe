using System.Diagnostics;
using System.Net;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Hosting;

/// <summary>
/// Issue 10 item 3 over MongoDB: the server goes away mid-test (the wire emulator of tools/mongo-emulator, started for
/// this test on a port of its own, is stopped): reads and writes answer <c>503 store_unavailable</c> with
/// <c>Retry-After</c> within the configured time, never a 500; readiness reports it. (A real replica set losing its
/// primary takes the same path in the driver: server selection times out.) When the emulator is started again with its
/// data (<c>MONGO_EMULATOR_PERSIST</c>), reads, writes and readiness recover by themselves; meanwhile every answer is 200
/// or 503.
/// </summary>
public sealed class MongoOutageTests : IAsyncLifetime
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "userauth-mongo-outage-" + Guid.NewGuid().ToString("N"));
    private readonly int port = ServiceProcess.FreePort();
    private ApiFactory? factory;
    private string? skipReason;

    private string PidFile => Path.Combine(folder, "emulator.pid");

    private string PersistFile => Path.Combine(folder, "emulator-data.json");

    private static string Tools => Path.Combine(Fuzz.OpenApiRoutes.RepositoryRoot(), "tools", "mongo-emulator");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        var (code, output) = await BashAsync("start.sh", port.ToString(System.Globalization.CultureInfo.InvariantCulture), PidFile);
        if (code != 0)
        {
            skipReason = $"The MongoDB wire emulator (tools/mongo-emulator) did not start here: {output.Trim()}";
            return;
        }

        var settings = ApiFactory.BaseSettings();
        settings["Storage:Provider"] = "MongoDb";
        settings["Storage:MongoDb:ConnectionString"] = output.Split('\n').First(l => l.StartsWith("mongodb://", StringComparison.Ordinal)).Trim();
        settings["Storage:MongoDb:Database"] = "outage";
        settings["Storage:OperationTimeoutSeconds"] = "2";
        settings["Storage:RetryAfterSeconds"] = "7";
        settings["Storage:HealthCheckTimeoutSeconds"] = "1";
        settings["Jobs:Enabled"] = "false";
        settings["BulkJobs:RunJobs"] = "false";
        settings["BulkJobs:Directory"] = Path.Combine(folder, "jobs");
        factory = new ApiFactory(settings);
        _ = factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }

        await BashAsync("stop.sh", PidFile);
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task A_MongoDB_that_goes_away_is_a_bounded_503_and_unready_then_both_recover()
    {
        if (skipReason is not null)
        {
            Assert.Skip(skipReason);
        }

        var http = factory!.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            await ApiFixture.TokenAsync(http, TestClients.Main));
        var app = Http.App(ApiFixture.NewApplicationId());
        await http.PostJsonAsync($"{app}/customers", Build.User());

        Assert.Equal(0, (await BashAsync("stop.sh", PidFile)).Code);

        foreach (var (method, path) in new[] { ("POST", $"{app}/customers"), ("GET", $"{app}/customers/list") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "POST")
            {
                request.Content = Http.Json(Build.User());
            }

            var clock = Stopwatch.StartNew();
            using var response = await http.SendAsync(request, Ct);
            var elapsed = clock.Elapsed;
            var body = await response.ExpectAsync(HttpStatusCode.ServiceUnavailable);
            Http.AssertError(body, "store_unavailable");
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
            Assert.True(elapsed < TimeSpan.FromSeconds(10), $"{method} answered after {elapsed}");
        }

        using (var unready = await http.GetAsync("/health/ready", Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unready.StatusCode);
        }

        // The server comes back on its port with its data: reads and writes answer 200 again (polled; generous bound
        // for a loaded machine), and readiness with them.
        Assert.Equal(0, (await BashAsync("start.sh", port.ToString(System.Globalization.CultureInfo.InvariantCulture), PidFile)).Code);
        var until = DateTime.UtcNow.AddSeconds(60);
        var seen = new List<string>();
        var recovered = false;
        while (!recovered && DateTime.UtcNow < until)
        {
            using var write = await http.PostAsync($"{app}/customers", Http.Json(Build.User()), Ct);
            using var read = await http.GetAsync($"{app}/customers/list", Ct);
            seen.Add($"{(int)write.StatusCode}/{(int)read.StatusCode}");
            Assert.True(write.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable,
                $"while MongoDB came back a write was answered {(int)write.StatusCode}: {await write.Content.ReadAsStringAsync(Ct)}");
            Assert.True(read.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable,
                $"while MongoDB came back a read was answered {(int)read.StatusCode}: {await read.Content.ReadAsStringAsync(Ct)}");
            recovered = write.StatusCode == HttpStatusCode.OK && read.StatusCode == HttpStatusCode.OK;
            if (!recovered)
            {
                await Task.Delay(500, Ct);
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine("while recovering (write/read): " + string.Join(" ", seen));
        Assert.True(recovered, "no recovery within 60 s: " + string.Join(" ", seen));
        var readyUntil = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode readiness;
        do
        {
            using var ready = await http.GetAsync("/health/ready", Ct);
            readiness = ready.StatusCode;
            if (readiness != HttpStatusCode.OK)
            {
                await Task.Delay(500, Ct);
            }
        }
        while (readiness != HttpStatusCode.OK && DateTime.UtcNow < readyUntil);

        Assert.Equal(HttpStatusCode.OK, readiness);
    }

    private async Task<(int Code, string Output)> BashAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(Tools, script));
        // The emulator keeps its data across the stop and the start (as a restarted mongod does): the API clients the
        // service seeded at start-up are still there when it comes back.
        start.Environment["MONGO_EMULATOR_PERSIST"] = PersistFile;
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout + await stderr);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
