using System.Net;
using UserAuth.Tests.Infrastructure;
using UserAuth.Tests.Sessions;

namespace UserAuth.Tests.Reliability;

/// <summary>Two processes of the built service over one store, shared by the tests of a class (each uses its own application).</summary>
public abstract class TwoInstances : IAsyncLifetime
{
    private readonly List<ServiceProcess> started = [];

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "userauth-two-" + Guid.NewGuid().ToString("N"));

    public ServiceProcess A { get; private set; } = null!;

    public ServiceProcess B { get; private set; } = null!;

    /// <summary>Why there is no store for two processes here, or null.</summary>
    public string? SkipReason { get; protected set; }

    /// <summary>True when the store enforces unique keys (the MongoDB wire emulator does not).</summary>
    public virtual bool EnforcesUniqueKeys => true;

    /// <summary>The store settings both processes share, or null (with <see cref="SkipReason"/>) when there is none here.</summary>
    protected abstract Dictionary<string, string?>? StoreSettings();

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        if (StoreSettings() is not { } store)
        {
            return;
        }

        var settings = ApiFactory.BaseSettings();
        foreach (var (key, value) in store)
        {
            settings[key] = value;
        }

        settings["Jobs:BatchSize"] = "20";
        settings["Jobs:PollIntervalMs"] = "100";
        // Started one after the other: the second finds the store initialised (its start-up must accept that).
        A = await ServiceProcess.StartAsync(settings);
        started.Add(A);
        B = await ServiceProcess.StartAsync(settings);
        started.Add(B);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in started)
        {
            await service.DisposeAsync();
        }

        await CleanUpAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }

    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    /// <summary>Fails with every inconsistency the store's checker finds (SQLite: <see cref="StoreChecker"/>).</summary>
    public virtual Task AssertConsistentAsync() => Task.CompletedTask;
}

/// <summary>
/// Issue 14, several instances: two processes of the built service over one store answer concurrent creates, updates,
/// session revocation and background jobs as one would. Each scenario sends its requests to both at once.
/// </summary>
public abstract class TwoInstanceTests(TwoInstances instances)
{
    private ServiceProcess A => instances.A;

    private ServiceProcess B => instances.B;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private bool EnforcesUniqueKeys => instances.EnforcesUniqueKeys;

    private Task AssertConsistentAsync() => instances.AssertConsistentAsync();

    private void RequireStore()
    {
        if (instances.SkipReason is not null)
        {
            Assert.Skip(instances.SkipReason);
        }
    }

    [Fact]
    public async Task Concurrent_creates_of_one_username_on_two_instances_make_one_user()
    {
        RequireStore();
        if (!EnforcesUniqueKeys)
        {
            Assert.Skip("The MongoDB wire emulator used here does not enforce unique indexes; this test runs against a real MongoDB (USERAUTH_TEST_MONGODB).");
        }

        var (a, b) = (await A.ClientAsync(), await B.ClientAsync());
        var app = Http.App(ApiFixture.NewApplicationId());
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var username = $"twin_{i}_{Guid.NewGuid():N}"[..20];
            var one = a.PostAsync($"{app}/customers", Http.Json(Build.User(username: username)), Ct);
            var two = b.PostAsync($"{app}/customers", Http.Json(Build.User(username: username)), Ct);
            var answers = await Task.WhenAll(one, two);
            return answers.Select(r => r.StatusCode).ToList();
        }));

        foreach (var pair in outcomes)
        {
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], pair.Order().ToList());
        }

        var listed = await CrashRestartTests.ListAllAsync(a, app[(app.LastIndexOf('/') + 1)..]);
        Assert.Equal(40, listed.Count);
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task Concurrent_updates_of_one_user_on_two_instances_lose_none()
    {
        RequireStore();
        var (a, b) = (await A.ClientAsync(), await B.ClientAsync());
        var app = Http.App(ApiFixture.NewApplicationId());
        var user = (await a.PostJsonAsync($"{app}/customers", Build.User())).GetProperty("user");
        var id = user.GetProperty("_id").GetString()!;
        var start = user.GetProperty("__v").GetInt32();

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            (i % 2 == 0 ? a : b).PutAsync($"{app}/customers/{id}", Http.Json(new { first_name = $"n{i}" }), Ct)));
        var statuses = answers.Select(r => (int)r.StatusCode).ToList();
        Assert.All(statuses, s => Assert.True(s is 200 or 409, $"an update answered {s}"));

        var listed = await CrashRestartTests.ListAllAsync(b, app[(app.LastIndexOf('/') + 1)..]);
        var stored = listed[id];
        Assert.Equal(start + statuses.Count(s => s == 200), stored.GetProperty("__v").GetInt32());
        await AssertConsistentAsync();
    }

    [Fact]
    public async Task A_block_on_one_instance_revokes_the_sessions_the_other_made_and_races_none_through()
    {
        RequireStore();
        var (a, b) = (await A.ClientAsync(), await B.ClientAsync());
        var application = ApiFixture.NewApplicationId();
        var app = Http.App(application);
        var id = (await a.PostJsonAsync($"{app}/customers", Build.User())).GetProperty("user").GetProperty("_id").GetString()!;

        var creates = Enumerable.Range(0, 30).Select(async i =>
        {
            using var response = await a.PostAsync($"{app}/customers/session", Http.Json(new { user_id = id, domain = "shop.example.com" }), Ct);
            return response.StatusCode == HttpStatusCode.OK ? SessionApi.Cookie(await response.ReadJsonAsync()) : null;
        }).ToList();
        await Task.Delay(20, Ct);
        await b.PutJsonAsync($"{app}/customers/activation", new { user_id = new[] { id }, status = false });
        var cookies = (await Task.WhenAll(creates)).Where(c => c is not null).ToList();

        var live = await b.GetJsonAsync($"{app}/customers/sessions?id={id}");
        Assert.Empty(live.GetProperty("items").EnumerateArray());
        await b.PutJsonAsync($"{app}/customers/activation", new { user_id = new[] { id }, status = true });
        foreach (var cookie in cookies)
        {
            using var verify = await a.PostAsync($"{app}/customers/session/verify", Http.Json(new { cookie }), Ct);
            Assert.NotEqual(HttpStatusCode.OK, verify.StatusCode);
            using var other = await b.PostAsync($"{app}/customers/session/verify", Http.Json(new { cookie }), Ct);
            Assert.NotEqual(HttpStatusCode.OK, other.StatusCode);
        }

        await AssertConsistentAsync();
    }

    [Fact]
    public async Task Group_jobs_queued_on_both_instances_run_once_each()
    {
        RequireStore();
        await using var files = await LoopbackFileServer.StartAsync();
        var (a, b) = (await A.ClientAsync(), await B.ClientAsync());
        var app = Http.App(ApiFixture.NewApplicationId());
        var users = await Task.WhenAll(Enumerable.Range(0, 120).Select(async _ =>
            (await a.PostJsonAsync($"{app}/customers", Build.User())).GetProperty("user").GetProperty("_id").GetString()!));

        var groups = await Task.WhenAll(Enumerable.Range(0, 6).Select(async g =>
        {
            var members = users.Where((_, i) => i % 6 != g).ToList();
            var url = files.Serve($"{Guid.NewGuid():N}.csv", "user_id,action\n" + string.Join('\n', members.Select(u => $"{u},add")) + "\n");
            var created = await (g % 2 == 0 ? a : b).PostJsonAsync($"{app}/user_group", new { name = $"g{g}", description = "two instances", file_url = url });
            return (Uid: created.GetProperty("uid").GetInt64(), Members: members);
        }));

        foreach (var (uid, members) in groups)
        {
            var done = await Groups.GroupTestSupport.WaitDoneAsync(a, app, uid);
            Assert.Equal("completed", done.GetProperty("status").GetString());
            var stored = await Groups.GroupTestSupport.MembersAsync(b, app, uid);
            Assert.Equal(members.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
        }

        Assert.Equal(groups.Select(g => g.Uid).Order(), groups.Select(g => g.Uid).Distinct().Order());
        await AssertConsistentAsync();
    }
}

/// <summary>Two processes over one SQLite file (WAL; SQLite's own locking between processes).</summary>
public sealed class SqliteTwoInstances : TwoInstances
{
    private string DatabasePath => Path.Combine(Folder, "userauth.db");

    protected override Dictionary<string, string?>? StoreSettings() => new()
    {
        ["Storage:Provider"] = "Sqlite",
        ["Storage:Sqlite:Path"] = DatabasePath,
        ["BulkJobs:Directory"] = Path.Combine(Folder, "jobs"),
    };

    public override async Task AssertConsistentAsync()
    {
        var problems = await StoreChecker.CheckSqliteAsync(DatabasePath);
        Assert.True(problems.Count == 0, "the store is inconsistent:\n" + string.Join('\n', problems));
    }
}

/// <summary>Two processes over one MongoDB database (USERAUTH_TEST_MONGODB: a real server, or the wire emulator).</summary>
public sealed class MongoTwoInstances : TwoInstances
{
    private readonly string database = "userauth_two_" + Guid.NewGuid().ToString("N")[..12];
    private string? connectionString;

    public override bool EnforcesUniqueKeys => Environment.GetEnvironmentVariable("USERAUTH_TEST_MONGODB_EMULATOR") != "1";

    protected override Dictionary<string, string?>? StoreSettings()
    {
        connectionString = Environment.GetEnvironmentVariable("USERAUTH_TEST_MONGODB");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            SkipReason = "No MongoDB for two processes: USERAUTH_TEST_MONGODB is not set (scripts/test.sh sets it to the emulator).";
            return null;
        }

        return new()
        {
            ["Storage:Provider"] = "MongoDb",
            ["Storage:MongoDb:ConnectionString"] = connectionString,
            ["Storage:MongoDb:Database"] = database,
            ["BulkJobs:Directory"] = Path.Combine(Folder, "jobs"),
        };
    }

    protected override async Task CleanUpAsync()
    {
        if (connectionString is not null)
        {
            try
            {
                await new MongoDB.Driver.MongoClient(connectionString).DropDatabaseAsync(database);
            }
            catch (MongoDB.Driver.MongoException)
            {
            }
        }
    }
}

public sealed class SqliteTwoInstanceTests(SqliteTwoInstances instances) : TwoInstanceTests(instances), IClassFixture<SqliteTwoInstances>;

public sealed class MongoTwoInstanceTests(MongoTwoInstances instances) : TwoInstanceTests(instances), IClassFixture<MongoTwoInstances>;
