using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MongoDB.Bson;
using Testcontainers.MongoDb;

namespace UserAuth.Tests.Infrastructure;

/// <summary>One running service per store for a test collection. Tests isolate themselves by using fresh application ids.</summary>
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

    protected abstract Task<Dictionary<string, string?>?> StoreSettingsAsync();

    public virtual async ValueTask InitializeAsync()
    {
        var store = await StoreSettingsAsync();
        if (store is null)
        {
            return;
        }

        var settings = ApiFactory.BaseSettings();
        foreach (var (key, value) in store)
        {
            settings[key] = value;
        }

        factory = new ApiFactory(settings);
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
}

public sealed class SqliteApiFixture : ApiFixture
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
/// MongoDB from USERAUTH_TEST_MONGODB (USERAUTH_TEST_MONGODB_EMULATOR=1 marks the wire emulator), else a
/// Testcontainers MongoDB where Docker can run one, else unavailable with the reason.
/// </summary>
public sealed class MongoApiFixture : ApiFixture
{
    private readonly string database = "userauth_tests_" + Guid.NewGuid().ToString("N")[..12];
    private MongoDbContainer? container;

    public override StoreKind Store => StoreKind.MongoDb;

    public string? ConnectionString { get; private set; }

    public string Database => database;

    protected override async Task<Dictionary<string, string?>?> StoreSettingsAsync()
    {
        ConnectionString = Environment.GetEnvironmentVariable("USERAUTH_TEST_MONGODB");
        IsEmulator = Environment.GetEnvironmentVariable("USERAUTH_TEST_MONGODB_EMULATOR") == "1";
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            try
            {
                container = new MongoDbBuilder("mongo:7.0").WithReplicaSet().Build();
                await container.StartAsync();
                ConnectionString = container.GetConnectionString();
            }
            catch (Exception e)
            {
                UnavailableReason = "No MongoDB: USERAUTH_TEST_MONGODB is not set and Testcontainers could not start " +
                                    $"mongo:7.0 ({e.GetType().Name}: {e.Message.Split('\n')[0]})";
                return null;
            }
        }

        return new()
        {
            ["Storage:Provider"] = "MongoDb",
            ["Storage:MongoDb:ConnectionString"] = ConnectionString,
            ["Storage:MongoDb:Database"] = database,
        };
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
        if (container is not null)
        {
            await container.DisposeAsync();
        }
    }
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
