using System.Security.Cryptography;
using System.Text;
using UserAuth.Api.Hosting;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Api.Features.Sessions;

internal static class SessionsFeature
{
    public static WebApplicationBuilder AddUserAuthSessions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<UserSessionOptions>()
            .BindConfiguration(UserSessionOptions.Section)
            .ValidateDataAnnotations()
            .PostConfigure<IHostEnvironment, ILoggerFactory>((options, environment, loggers) =>
            {
                if (string.IsNullOrEmpty(options.CookieSecret) && IsDevelopmentLike(environment))
                {
                    options.CookieSecret = DevelopmentSecret(environment);
                    options.UsesDevelopmentSecret = true;
                    loggers.CreateLogger(typeof(SessionsFeature)).LogWarning(
                        "Sessions:CookieSecret is not set: session cookies are signed with a fixed development secret. " +
                        "Set Sessions__CookieSecret (at least {Length} characters) outside {Environment}.",
                        UserSessionOptions.MinSecretLength, environment.EnvironmentName);
                }
            })
            .Validate<IHostEnvironment>((options, environment) =>
                    options.CookieSecret.Length >= UserSessionOptions.MinSecretLength ||
                    (IsDevelopmentLike(environment) && options.CookieSecret.Length > 0),
                $"Sessions:CookieSecret must be set to at least {UserSessionOptions.MinSecretLength} characters " +
                "(set Sessions__CookieSecret); every instance must share it.")
            .Validate(options => options.PreviousCookieSecrets.All(s => !string.IsNullOrEmpty(s)),
                "Sessions:PreviousCookieSecrets must not hold empty entries.")
            .ValidateOnStart();

        builder.Services.AddSingleton<SessionCookies>();
        builder.Services.AddSingleton<SessionService>();
        builder.Services.AddSingleton<IUserSessionRevoker, UserSessionRevoker>();
        builder.AddStore<ISessionStore, SqliteSessionStore, MongoSessionStore>();
        builder.Services.AddHostedService<ExpiredSessionSweeper>();
        return builder;
    }

    private static bool IsDevelopmentLike(IHostEnvironment environment) =>
        environment.IsDevelopment() || environment.IsEnvironment("Testing");

    /// <summary>Fixed per application name, so development cookies survive restarts; public, hence never for production.</summary>
    private static string DevelopmentSecret(IHostEnvironment environment) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("userauth-development-session-secret:" + environment.ApplicationName)));
}
