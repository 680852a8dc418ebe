using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using System.Threading.RateLimiting;
using Microsoft.IdentityModel.Tokens;
using UserAuth.Api.Features.Auth;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Api.Hosting;

internal static class AuthExtensions
{
    public const string TokenRateLimit = "token";

    public static WebApplicationBuilder AddUserAuthSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.SigningKeyBytes.Length >= 32,
                "Auth:SigningKey must be set to at least 32 bytes (set Auth__SigningKey); every instance must share it.")
            .Validate(o => o.BootstrapClients.All(c =>
                    !string.IsNullOrWhiteSpace(c.ClientId) && c.ClientSecret.Length >= 8 && !string.IsNullOrWhiteSpace(c.CompanyId)),
                "Every Auth:BootstrapClients entry needs ClientId, CompanyId and a ClientSecret of at least 8 characters.")
            .ValidateOnStart();

        builder.AddStore<IApiClientStore, SqliteApiClientStore, MongoApiClientStore>();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddMemoryCache(cache => cache.SizeLimit = 10_000);
        // The token endpoint is anonymous and PBKDF2 is slow on purpose: limit how often one address may call it.
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(TokenRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = builder.Configuration.GetValue("Auth:TokenRequestsPerMinute", 60),
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests,
                    new Common.ErrorBody("Too many token requests from this address; retry in a minute.", "too_many_requests",
                        context.HttpContext.TraceIdentifier), cancellationToken);
            };
        });
        builder.Services.AddHostedService<BootstrapClientsService>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<IAuthorizationHandler, PlatformAccessHandler>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<Microsoft.Extensions.Options.IOptions<AuthOptions>>((jwt, auth) =>
            {
                var settings = auth.Value;
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = settings.Issuer,
                    ValidAudience = settings.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(settings.SigningKeyBytes),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = TokenClaims.ClientId,
                };
                jwt.Events = new JwtBearerEvents
                {
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        context.Response.Headers.WWWAuthenticate = "Bearer";
                        var message = context.AuthenticateFailure is null
                            ? "A bearer token is required."
                            : "The bearer token is invalid or expired.";
                        await ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "unauthorized", message);
                    },
                    OnForbidden = async context =>
                    {
                        var reason = context.HttpContext.Items[PlatformAccessHandler.DenialReason] as string
                                     ?? "This token does not allow this operation.";
                        await ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, "forbidden", reason);
                    },
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Scopes.Read, policy => policy.RequireAuthenticatedUser().AddRequirements(new PlatformAccessRequirement(Scopes.Read)))
            .AddPolicy(Scopes.Write, policy => policy.RequireAuthenticatedUser().AddRequirements(new PlatformAccessRequirement(Scopes.Write)))
            // Secure by default: an endpoint that names no policy still needs a valid token.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }
}
