using UserAuth.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.AddUserAuthLogging()
    .AddUserAuthErrorHandling()
    .AddUserAuthApi()
    .AddUserAuthStorage()
    .AddUserAuthSecurity()
    .AddUserAuthSwagger()
    .AddUserAuthCustomers()
    .AddUserAuthPlatformConfig()
    .AddUserAuthSessions()
    .AddUserAuthLifecycle();

var app = builder.Build();

app.UseUserAuthRequestLogging();
app.UseUserAuthErrorHandling();
app.UseUserAuthSwagger();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.MapControllers();
app.MapUserAuthHealth();

app.Run();

/// <summary>The entry point; public for WebApplicationFactory.</summary>
public partial class Program;
