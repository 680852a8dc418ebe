using System.Globalization;
using ServiceProcess = UserAuth.Tests.Infrastructure.ServiceProcess;

namespace UserAuth.Tests.Reliability;

/// <summary>
/// What the SIGKILL tests (<see cref="CrashRestartTests"/>, <see cref="AuditCrashTests"/>, <see cref="ClientAuditCrashTests"/>) share: a scratch folder, the
/// service processes a test started (disposed with it), and the flood-and-kill loop: the service started, concurrent
/// writers flooding it until enough writes were acknowledged, a SIGKILL, <see cref="Rounds"/> times.
/// </summary>
public abstract class CrashTestBase(string folderPrefix) : IAsyncLifetime
{
    private readonly List<ServiceProcess> started = [];

    /// <summary>The test's MongoDB database (named like its folder), for a fixture on MongoDB.</summary>
    private readonly string mongoDatabase = folderPrefix.Replace('-', '_') + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The test's scratch folder (its SQLite file, its jobs folder), removed with it.</summary>
    protected string Folder { get; } = Path.Combine(Path.GetTempPath(), folderPrefix + Guid.NewGuid().ToString("N")[..12]);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>How many times the flood is killed: <c>USERAUTH_CRASH_ROUNDS</c> (the long run), else once (CI).</summary>
    protected static int Rounds => int.TryParse(Environment.GetEnvironmentVariable("USERAUTH_CRASH_ROUNDS"), CultureInfo.InvariantCulture, out var n) ? n : 1;

    /// <summary>One step of a flood writer: its <paramref name="index"/>-th request; <paramref name="mine"/> holds the
    /// users it created (for it to update).</summary>
    protected delegate Task FloodStep(HttpClient http, int index, List<string> mine, CancellationToken stop);

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
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
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The service's settings over a store of <paramref name="fixture"/>'s kind of this test's own: a SQLite file in
    /// <see cref="Folder"/>, or a MongoDB database of its own; the bulk jobs' folder in <see cref="Folder"/>.
    /// </summary>
    protected Dictionary<string, string?> StoreSettings(Infrastructure.ApiFixture fixture)
    {
        var settings = Infrastructure.ApiFactory.BaseSettings();
        foreach (var (key, value) in fixture.StoreSettings)
        {
            settings[key] = value;
        }

        settings["BulkJobs:Directory"] = Path.Combine(Folder, "jobs");
        if (fixture.Store == Infrastructure.StoreKind.Sqlite)
        {
            settings["Storage:Sqlite:Path"] = Path.Combine(Folder, "userauth.db");
        }
        else
        {
            settings["Storage:MongoDb:Database"] = mongoDatabase;
        }

        return settings;
    }

    /// <summary>Starts the service (its own process) with <paramref name="settings"/>; it is disposed with the test.</summary>
    protected async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var service = await ServiceProcess.StartAsync(settings);
        started.Add(service);
        return service;
    }

    /// <summary>
    /// <see cref="Rounds"/> times: starts the service with <paramref name="settings"/>, runs <paramref name="writers"/>
    /// writers repeating <paramref name="step"/> until <paramref name="acknowledged"/> has grown by
    /// <paramref name="writesPerRound"/> (or <paramref name="timeout"/> passed), SIGKILLs the service and waits for the
    /// writers. A writer whose request the kill cut stops (that request is not acknowledged).
    /// </summary>
    protected async Task FloodAndKillAsync(IReadOnlyDictionary<string, string?> settings, int writers, FloodStep step,
        Func<int> acknowledged, int writesPerRound, TimeSpan timeout)
    {
        for (var round = 0; round < Rounds; round++)
        {
            var service = await StartAsync(settings);
            var http = await service.ClientAsync();
            using var stop = new CancellationTokenSource();
            var flood = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
            {
                var mine = new List<string>();
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        await step(http, i, mine, stop.Token);
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                    {
                        return; // the process died under the request: not acknowledged
                    }
                }
            })).ToList();

            var before = acknowledged();
            var until = DateTime.UtcNow.Add(timeout);
            while (acknowledged() < before + writesPerRound && DateTime.UtcNow < until)
            {
                await Task.Delay(20, Ct);
            }

            await service.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(flood);
        }
    }
}
