using UserAuth.Api.Features.Attributes;
using UserAuth.Api.Features.Audit;
using UserAuth.Api.Features.Auth;
using UserAuth.Api.Features.BulkJobs;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Groups;
using UserAuth.Api.Features.Idempotency;
using UserAuth.Api.Features.Lifecycle;
using UserAuth.Api.Features.PlatformConfig;
using UserAuth.Api.Features.Sessions;
using UserAuth.Api.Hosting;

// No reload of appsettings on change: nothing reads configuration again, and the watcher behind it watches the whole
// content root, where the embedded store lives by default (data/): every write to the database and its WAL was an
// event for it to read and filter (a tenth of the service's CPU during a bulk import).
var builder = WebApplication.CreateBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);

// What every feature shares (Hosting/), then one line per feature (Features/<X>/<X>Feature.cs).
builder.AddUserAuthLogging()
    .AddUserAuthTelemetry()
    .AddUserAuthErrorHandling()
    .AddUserAuthApi()
    .AddUserAuthBrowsers()
    .AddUserAuthShutdown()
    .AddUserAuthStorage()
    .AddUserAuthSecurity()
    .AddUserAuthSwagger()
    .AddUserAuthAuth()
    .AddUserAuthCustomers()
    .AddUserAuthPlatformConfig()
    .AddUserAuthSessions()
    .AddUserAuthLifecycle()
    .AddUserAuthGroups()
    .AddUserAuthAttributes()
    .AddUserAuthBulkJobs()
    .AddUserAuthIdempotency()
    .AddUserAuthAudit();

var app = builder.Build();

app.UseUserAuthRequestLogging();
app.UseUserAuthBrowsers();
app.UseUserAuthErrorHandling();
app.UseUserAuthSwagger();
app.UseAuthentication();
// After authentication: the per-client limits need the token's client; before authorization: a client over its limit
// is answered 429 without further work.
app.UseRateLimiter();
app.UseAuthorization();
app.MapControllers();
app.MapUserAuthHealth();
app.MapUserAuthMetrics();

app.Run();

/// <summary>The entry point; public for WebApplicationFactory.</summary>
public partial class Program;
