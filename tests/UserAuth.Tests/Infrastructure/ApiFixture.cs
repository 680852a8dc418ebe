using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MongoDB.Bson;
using Testcontainers.MongoDb;

namespace UserAuth.Tests.Infrastructure;

/// <summary>
/// One running service over a database of its own (a fresh SQLite file, a fresh MongoDB database name). The API suites
/// share one per store (the <see cref="SqliteCollection"/> and <see cref="MongoCollection"/> collections) and isolate
/// themselves by fresh application ids: every API call is scoped to one application. The store suites, whose ports
/// also query across applications (due erasures, expired sessions, claimable jobs, count reconciliation), take a
/// database per test class (<see cref="SqliteStoreFixture"/>, <see cref="MongoStoreFixture"/> as class fixtures)
/// and, where a test needs an empty one, a database of its own (<see cref="FreshStoreAsync"/>).
/// </summary>
public abstract class ApiFixture : IAsyncLifetime
{
    private readonly Dictionary<string, string> tokens = [];
    private ApiFactory? factory;

    public abstract StoreKind Store { get; }

    /// <summary>Why this store cannot run here, or null.</summary>
    public string? UnavailableReason { get; protected set; }

    /// <summary>True when the MongoDB server is the wire emulator used on machines without MongoDB.</summary>
    public bool IsEmulator { get; protected set; }

    public ApiFactory Factory => factory ?? throw new InvalidOperationException(UnavailableReason);

    public IServiceProvider Services => Factory.Services;

    /// <summary>The settings of this fixture's store, for hosts of its own that a test starts over the same store.</summary>
    public IReadOnlyDictionary<string, string?> StoreSettings { get; private set; } = new Dictionary<string, string?>();

    protected abstract Task<Dictionary<string, string?>?> StoreSettingsAsync();

    /// <summary>True for a store suite's fixture: no background service runs (<see cref="ApiFactory.StoresOnly"/>).</summary>
    protected virtual bool StoresOnly => false;

    public virtual async ValueTask InitializeAsync()
    {
        var store = await StoreSettingsAsync();
        if (store is null)
        {
            return;
        }

        StoreSettings = store;

        var settings = ApiFactory.BaseSettings();
        foreach (var (key, value) in store)
        {
            settings[key] = value;
        }

        factory = new ApiFactory(settings, StoresOnly ? ApiFactory.StoresOnly : null);
        _ = factory.Server; // start now: store initialisation and bootstrap clients run here
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Skips the calling test when the store is unavailable here, saying why.</summary>
    public void RequireStore()
    {
        if (UnavailableReason is not null)
        {
            Assert.Skip(UnavailableReason);
        }
    }

    /// <summary>Skips a test of a guarantee the MongoDB wire emulator does not give (it is not MongoDB).</summary>
    public void SkipOnEmulator(string what)
    {
        if (IsEmulator)
        {
            Assert.Skip($"The MongoDB wire emulator used here does not {what}; this test runs against a real MongoDB " +
                        "(Testcontainers or USERAUTH_TEST_MONGODB).");
        }
    }

    public HttpClient Anonymous()
    {
        RequireStore();
        return Factory.CreateClient();
    }

    /// <summary>An HTTP client with a bearer token of <paramref name="client"/> (default: the main test client).</summary>
    public async Task<HttpClient> ClientAsync(TestClient? client = null)
    {
        client ??= TestClients.Main;
        var http = Anonymous();
        if (!tokens.TryGetValue(client.ClientId, out var token))
        {
            token = await TokenAsync(http, client);
            tokens[client.ClientId] = token;
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public static async Task<string> TokenAsync(HttpClient http, TestClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"/service/panel/authentication/v1.0/company/{client.CompanyId}/oauth/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{client.ClientId}:{client.Secret}")));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("access_token").GetString()!;
    }

    /// <summary>A fresh application id: each test works in its own application, so tests never see each other's data.</summary>
    public static string NewApplicationId() => ObjectId.GenerateNewId().ToString();

    /// <summary>
    /// An empty database of the same store as <paramref name="like"/>, with no background service, for a test whose
    /// query spans every application and that asserts exactly what it finds. Dispose it at the end of the test.
    /// </summary>
    public static async Task<ApiFixture> FreshStoreAsync(ApiFixture like)
    {
        like.RequireStore();
        ApiFixture fresh = like.Store == StoreKind.MongoDb ? new MongoStoreFixture() : new SqliteStoreFixture();
        await fresh.InitializeAsync();
        fresh.RequireStore();
        return fresh;
    }
}

public class SqliteApiFixture : ApiFixture
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "userauth-tests-" + Guid.NewGuid().ToString("N"));

    public override StoreKind Store => StoreKind.Sqlite;

    protected override Task<Dictionary<string, string?>?> StoreSettingsAsync() =>
        Task.FromResult<Dictionary<string, string?>?>(new()
        {
            ["Storage:Provider"] = "Sqlite",
            ["Storage:Sqlite:Path"] = Path.Combine(folder, "userauth.db"),
        });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// MongoDB, the most real one reachable: a real server named by USERAUTH_TEST_MONGODB; else a Testcontainers MongoDB
/// replica set where Docker can run one (USERAUTH_TEST_DOCKER=0 skips the attempt: scripts/test.sh sets it when no
/// Docker engine answers); else the wire emulator when USERAUTH_TEST_MONGODB names it (USERAUTH_TEST_MONGODB_EMULATOR=1);
/// else unavailable with the reason. Which one ran is appended to the file USERAUTH_TEST_MONGODB_REPORT names.
/// </summary>
public class MongoApiFixture : ApiFixture
{
    // One Testcontainers server per test run, shared by every fixture (each has a database of its own); Testcontainers'
    // resource reaper removes it when the run ends.
    private static readonly SemaphoreSlim ContainerLock = new(1, 1);
    private static MongoDbContainer? container;
    private static string? containerFailure;

    private readonly string database = "userauth_tests_" + Guid.NewGuid().ToString("N")[..12];

    public override StoreKind Store => StoreKind.MongoDb;

    public string? ConnectionString { get; private set; }

    public string Database => database;

    /// <summary>What the MongoDB tests run against, in words (for the test summary and skip reasons).</summary>
    public string? ServerDescription { get; private set; }

    /// <summary>Skips the calling test unless a real MongoDB (not the emulator) is reachable, saying why.</summary>
    public void RequireRealServer(string what)
    {
        RequireStore();
        SkipOnEmulator(what);
    }

    protected override async Task<Dictionary<string, string?>?> StoreSettingsAsync()
    {
        var configured = Environment.GetEnvironmentVariable("USERAUTH_TEST_MONGODB");
        var configuredIsEmulator = Environment.GetEnvironmentVariable("USERAUTH_TEST_MONGODB_EMULATOR") == "1";
        string? dockerFailure = null;
        if (!string.IsNullOrWhiteSpace(configured) && !configuredIsEmulator)
        {
            ConnectionString = configured;
            ServerDescription = "a real MongoDB (USERAUTH_TEST_MONGODB)";
        }
        else if (Environment.GetEnvironmentVariable("USERAUTH_TEST_DOCKER") == "0")
        {
            dockerFailure = "no Docker engine answers (USERAUTH_TEST_DOCKER=0)";
        }
        else
        {
            ConnectionString = await SharedContainerAsync();
            if (ConnectionString is null)
            {
                dockerFailure = containerFailure;
            }
            else
            {
                ServerDescription = "a Testcontainers MongoDB 7.0 replica set";
            }
        }

        if (ConnectionString is null && !string.IsNullOrWhiteSpace(configured))
        {
            ConnectionString = configured;
            IsEmulator = true;
            ServerDescription = $"the MongoDB wire emulator (tools/mongo-emulator; {dockerFailure})";
        }

        Report(ServerDescription ?? $"none: USERAUTH_TEST_MONGODB is not set and {dockerFailure}");
        if (ConnectionString is null)
        {
            UnavailableReason = $"No MongoDB: USERAUTH_TEST_MONGODB is not set and {dockerFailure}";
            return null;
        }

        return new()
        {
            ["Storage:Provider"] = "MongoDb",
            ["Storage:MongoDb:ConnectionString"] = ConnectionString,
            ["Storage:MongoDb:Database"] = database,
            ["BulkJobs:Directory"] = Path.Combine(Path.GetTempPath(), database + "-jobs"),
        };
    }

    /// <summary>The connection string of the run's Testcontainers server, started on first use; null when it cannot start.</summary>
    private static async Task<string?> SharedContainerAsync()
    {
        await ContainerLock.WaitAsync();
        try
        {
            if (container is null && containerFailure is null)
            {
                var limit = int.TryParse(Environment.GetEnvironmentVariable("USERAUTH_TEST_TESTCONTAINERS_TIMEOUT"), out var seconds) ? seconds : 300;
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(limit));
                var starting = new MongoDbBuilder("mongo:7.0").WithReplicaSet().Build();
                try
                {
                    await starting.StartAsync(timeout.Token);
                    container = starting;
                }
                catch (Exception e)
                {
                    containerFailure = $"Testcontainers could not start mongo:7.0 ({e.GetType().Name}: {e.Message.Split('\n')[0]})";
                    await starting.DisposeAsync();
                }
            }

            return container?.GetConnectionString();
        }
        finally
        {
            ContainerLock.Release();
        }
    }

    private static void Report(string what)
    {
        if (Environment.GetEnvironmentVariable("USERAUTH_TEST_MONGODB_REPORT") is { Length: > 0 } file)
        {
            File.AppendAllText(file, what + Environment.NewLine);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (ConnectionString is not null && UnavailableReason is null)
        {
            try
            {
                await new MongoDB.Driver.MongoClient(ConnectionString).DropDatabaseAsync(database);
            }
            catch (MongoDB.Driver.MongoException)
            {
            }
        }

        await base.DisposeAsync();
    }
}

/// <summary>A SQLite database of its own for one store test class (a class fixture), with no background service.</summary>
public sealed class SqliteStoreFixture : SqliteApiFixture
{
    protected override bool StoresOnly => true;
}

/// <summary>A MongoDB database of its own for one store test class (a class fixture), with no background service.</summary>
public sealed class MongoStoreFixture : MongoApiFixture
{
    protected override bool StoresOnly => true;
}

[CollectionDefinition(Name)]
public sealed class SqliteCollection : ICollectionFixture<SqliteApiFixture>
{
    public const string Name = "sqlite";
}

[CollectionDefinition(Name)]
public sealed class MongoCollection : ICollectionFixture<MongoApiFixture>
{
    public const string Name = "mongodb";
}
