using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Hosting;

namespace UserAuth.Tests.Infrastructure;

public enum StoreKind
{
    Sqlite,
    MongoDb,
}

/// <summary>
/// The real service in memory, over a real store, with configuration overridden in memory (and, for the store suites,
/// services: see <see cref="StoresOnly"/>).
/// </summary>
public sealed class ApiFactory(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public const string SigningKey = "integration-tests-signing-key-0123456789abcdef0123456789";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // UseSetting, not ConfigureAppConfiguration: Program reads some settings (the store provider) while building,
        // before configuration sources added by the factory would be applied.
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    /// <summary>
    /// Removes every background service of the application but the store initialiser (no job worker, sweeper, runner,
    /// erasure job, counter reconciler or bootstrap clients): nothing but the test touches the database.
    /// </summary>
    public static void StoresOnly(IServiceCollection services)
    {
        var background = services.Where(d => d.ServiceType == typeof(Microsoft.Extensions.Hosting.IHostedService)
                                             && d.ImplementationType != typeof(StoreInitializerService)
                                             && (d.ImplementationType ?? d.ImplementationFactory?.Method.DeclaringType)?.Assembly == typeof(Program).Assembly)
            .ToList();
        foreach (var descriptor in background)
        {
            services.Remove(descriptor);
        }
    }

    /// <summary>The clients every test can use; see <see cref="TestClients"/>.</summary>
    public static Dictionary<string, string?> BaseSettings() => new()
    {
        ["Auth:SigningKey"] = SigningKey,
        ["Logging:Json"] = "false",
        ["Serilog:MinimumLevel:Default"] = "Warning",
        // Tests run erasure themselves (ErasureService), deterministically.
        ["Lifecycle:ErasureJobEnabled"] = "false",
        // Every request of the in-memory server comes from one (unknown) address; the limit has its own test.
        ["Auth:TokenRequestsPerMinute"] = "100000",
        // Files served to the service in tests come from a loopback server; background jobs are picked up quickly.
        ["FileFetch:AllowLoopback"] = "true",
        ["Jobs:PollIntervalMs"] = "100",
        ["Auth:BootstrapClients:0:ClientId"] = TestClients.Main.ClientId,
        ["Auth:BootstrapClients:0:ClientSecret"] = TestClients.Main.Secret,
        ["Auth:BootstrapClients:0:CompanyId"] = TestClients.Main.CompanyId,
        ["Auth:BootstrapClients:1:ClientId"] = TestClients.OtherCompany.ClientId,
        ["Auth:BootstrapClients:1:ClientSecret"] = TestClients.OtherCompany.Secret,
        ["Auth:BootstrapClients:1:CompanyId"] = TestClients.OtherCompany.CompanyId,
        ["Auth:BootstrapClients:2:ClientId"] = TestClients.ReadOnly.ClientId,
        ["Auth:BootstrapClients:2:ClientSecret"] = TestClients.ReadOnly.Secret,
        ["Auth:BootstrapClients:2:CompanyId"] = TestClients.ReadOnly.CompanyId,
        ["Auth:BootstrapClients:2:Scopes"] = "user:read",
        ["Auth:BootstrapClients:3:ClientId"] = TestClients.OneApplication.ClientId,
        ["Auth:BootstrapClients:3:ClientSecret"] = TestClients.OneApplication.Secret,
        ["Auth:BootstrapClients:3:CompanyId"] = TestClients.OneApplication.CompanyId,
        ["Auth:BootstrapClients:3:ApplicationIds:0"] = TestClients.OneApplicationId,
        ["Auth:BootstrapClients:8:ClientId"] = TestClients.Decrypting.ClientId,
        ["Auth:BootstrapClients:8:ClientSecret"] = TestClients.Decrypting.Secret,
        ["Auth:BootstrapClients:8:CompanyId"] = TestClients.Decrypting.CompanyId,
        ["Auth:BootstrapClients:8:Scopes"] = "user:read user:write user:attributes:decrypt",
        ["Auth:BootstrapClients:4:ClientId"] = TestClients.Admin.ClientId,
        ["Auth:BootstrapClients:4:ClientSecret"] = TestClients.Admin.Secret,
        ["Auth:BootstrapClients:4:CompanyId"] = TestClients.Admin.CompanyId,
        ["Auth:BootstrapClients:4:Scopes"] = "user:read user:write client:admin",
        ["Auth:BootstrapClients:5:ClientId"] = TestClients.OneApplicationAdmin.ClientId,
        ["Auth:BootstrapClients:5:ClientSecret"] = TestClients.OneApplicationAdmin.Secret,
        ["Auth:BootstrapClients:5:CompanyId"] = TestClients.OneApplicationAdmin.CompanyId,
        ["Auth:BootstrapClients:5:Scopes"] = "user:read client:admin",
        ["Auth:BootstrapClients:5:ApplicationIds:0"] = TestClients.OneApplicationId,
    };
}

public sealed record TestClient(string ClientId, string Secret, string CompanyId);

public static class TestClients
{
    public const string OneApplicationId = "aaaaaaaaaaaaaaaaaaaaaaaa";

    public static readonly TestClient Main = new("tests-main", "main-secret-123", "1001");
    public static readonly TestClient OtherCompany = new("tests-other", "other-secret-123", "2002");
    public static readonly TestClient ReadOnly = new("tests-readonly", "readonly-secret-123", "1001");
    public static readonly TestClient OneApplication = new("tests-one-app", "one-app-secret-123", "1001");

    /// <summary>Read and write, plus <c>user:attributes:decrypt</c> (bulk exports carry encrypted attribute values in clear).</summary>
    public static readonly TestClient Decrypting = new("tests-decrypting", "decrypting-secret-123", "1001");

    /// <summary>Manages the company's API clients (client:admin, with user:read and user:write).</summary>
    public static readonly TestClient Admin = new("tests-admin", "admin-secret-123", "1001");

    /// <summary>client:admin and user:read, for <see cref="OneApplicationId"/> only.</summary>
    public static readonly TestClient OneApplicationAdmin = new("tests-one-app-admin", "one-app-admin-secret-123", "1001");
}
