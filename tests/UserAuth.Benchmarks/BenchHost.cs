using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using UserAuth.Api.Common;

namespace UserAuth.Benchmarks;

/// <summary>The real application (Program, all its services and middleware) in memory, configured like the tests do.</summary>
internal sealed class BenchFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // The factory finds the API's folder through MvcTestingAppManifest.json in the *current* folder, which is the
        // repository root under `dotnet run --project`: read the manifest next to this assembly instead.
        if (ContentRoot() is { } contentRoot)
        {
            builder.UseContentRoot(contentRoot);
        }

        // UseSetting: Program reads the store provider while building, before factory configuration sources apply.
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    private static string? ContentRoot()
    {
        var manifest = Path.Combine(AppContext.BaseDirectory, "MvcTestingAppManifest.json");
        if (!File.Exists(manifest))
        {
            return null;
        }

        using var json = JsonDocument.Parse(File.ReadAllText(manifest));
        return json.RootElement.EnumerateObject()
            .Where(p => p.Name.StartsWith(typeof(Program).Assembly.GetName().Name + ",", StringComparison.Ordinal))
            .Select(p => p.Value.GetString())
            .FirstOrDefault(Directory.Exists);
    }
}

/// <summary>
/// One running service over its own copy of the seeded SQLite database (<see cref="SeedDatabase"/>), an anonymous
/// and a bearer-authorised <see cref="HttpClient"/> (in-memory TestServer), and the service's DI container.
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    public const string CompanyId = "1001";
    public const string ApplicationId = "65f0c0ffee00000000000b01";
    public const string ClientId = "bench-client";
    public const string ClientSecret = "bench-secret-0123";
    public const string SigningKey = "benchmarks-signing-key-0123456789abcdef0123456789abcdef";

    public static readonly Tenant Tenant = new(CompanyId, ApplicationId);

    public const string BasePath = $"/service/platform/user/v1.0/company/{CompanyId}/application/{ApplicationId}";
    public const string TokenPath = $"/service/panel/authentication/v1.0/company/{CompanyId}/oauth/token";

    private readonly string directory;

    private BenchHost(string directory, BenchFactory factory, HttpClient anonymous, HttpClient authorized, string token)
    {
        this.directory = directory;
        DatabasePath = Path.Combine(directory, "userauth.db");
        Factory = factory;
        Anonymous = anonymous;
        Client = authorized;
        AccessToken = token;
    }

    public BenchFactory Factory { get; }

    /// <summary>This host's copy of the seeded database.</summary>
    public string DatabasePath { get; }

    public IServiceProvider Services => Factory.Services;

    /// <summary>No Authorization header.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>Sends <c>Authorization: Bearer</c> with a token of the bootstrap client (both scopes, every application).</summary>
    public HttpClient Client { get; }

    public string AccessToken { get; }

    public static Dictionary<string, string?> Settings(string databasePath) => new()
    {
        ["Storage:Provider"] = "Sqlite",
        ["Storage:Sqlite:Path"] = databasePath,
        ["Auth:SigningKey"] = SigningKey,
        ["Auth:BootstrapClients:0:ClientId"] = ClientId,
        ["Auth:BootstrapClients:0:ClientSecret"] = ClientSecret,
        ["Auth:BootstrapClients:0:CompanyId"] = CompanyId,
        ["Sessions:CookieSecret"] = "benchmarks-session-cookie-secret-0123456789",
        ["Lifecycle:ErasureJobEnabled"] = "false",
        // The token benchmark calls the endpoint thousands of times from one address: lift the per-address limit.
        ["Auth:TokenRequestsPerMinute"] = "10000000",
        // The per-client limit (10,000 requests per second by default) would answer the in-process loops with 429.
        ["Auth:DefaultRequestsPerSecond"] = "0",
        ["Logging:Json"] = "false",
        // Program logs one Information line per request (and per created user) to the console: keep that I/O out of
        // the numbers (and out of BenchmarkDotNet's console). Warnings and errors still show.
        ["Serilog:MinimumLevel:Default"] = "Information", // Serilog.Settings.Configuration needs it beside Override
        ["Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware"] = "Warning",
        ["Serilog:MinimumLevel:Override:UserAuth"] = "Warning",
        ["Serilog:MinimumLevel:Override:Microsoft"] = "Warning",
    };

    /// <summary>
    /// Copies the seeded database to a fresh folder, lets <paramref name="prepareDatabase"/> change the copy (given its
    /// path; the service is not running yet) and starts the service over it.
    /// </summary>
    public static async Task<BenchHost> StartAsync(Func<string, Task>? prepareDatabase = null)
    {
        var template = await SeedDatabase.GetAsync();
        var directory = Path.Combine(Path.GetTempPath(), $"userauth-bench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var database = Path.Combine(directory, "userauth.db");
        File.Copy(template.DatabasePath, database);
        if (prepareDatabase is not null)
        {
            await prepareDatabase(database);
            SqliteConnection.ClearAllPools();
        }

        var factory = new BenchFactory(Settings(database));
        try
        {
            _ = factory.Server; // start now: store initialisation and the bootstrap client run here, not in a benchmark
            var anonymous = factory.CreateClient();
            var token = await GetTokenAsync(anonymous);
            var authorized = factory.CreateClient();
            authorized.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return new BenchHost(directory, factory, anonymous, authorized, token);
        }
        catch
        {
            await factory.DisposeAsync();
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Runs a set-up's checks; when one fails, stops this host and deletes its database before rethrowing, because
    /// BenchmarkDotNet runs no [GlobalCleanup] after a failed [GlobalSetup].
    /// </summary>
    public async Task CheckAsync(Func<Task> checks)
    {
        try
        {
            await checks();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public static HttpRequestMessage TokenRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, TokenPath)
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}")));
        return request;
    }

    private static async Task<string> GetTokenAsync(HttpClient client)
    {
        using var request = TokenRequest();
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Token request failed: {(int)response.StatusCode} {body}");
        }

        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Sends, reads the whole body and fails loudly on anything but 200, so no benchmark times an error path.</summary>
    public static async Task<int> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException(
                    $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
            }

            return body.Length;
        }
    }

    public static Task<int> GetAsync(HttpClient client, string url) => SendAsync(client, new HttpRequestMessage(HttpMethod.Get, url));

    /// <summary>GETs the url once and returns the parsed body (for set-up checks, not for timing).</summary>
    public static async Task<JsonDocument> GetJsonAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {body}");
        }

        return JsonDocument.Parse(body);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await Factory.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the folder is in the temp directory.
        }
    }
}
