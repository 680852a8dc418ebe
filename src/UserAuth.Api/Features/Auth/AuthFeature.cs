using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using UserAuth.Api.Hosting;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Api.Features.Auth;

/// <summary>The token endpoint and the API clients it issues tokens to; checking the tokens is Hosting's <c>AddUserAuthSecurity</c>.</summary>
internal static class AuthFeature
{
    public const string TokenRateLimit = "token";

    public static WebApplicationBuilder AddUserAuthAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .Validate(o => o.BootstrapClients.All(c =>
                    !string.IsNullOrWhiteSpace(c.ClientId) && c.ClientSecret.Length >= 8 && !string.IsNullOrWhiteSpace(c.CompanyId)),
                "Every Auth:BootstrapClients entry needs ClientId, CompanyId and a ClientSecret of at least 8 characters.")
            .Validate(o => o.BootstrapClients.All(c => BootstrapClientsService.ParseScopes(c.Scopes).All(Scopes.Known.Contains)),
                $"Auth:BootstrapClients scopes must be among: {string.Join(", ", Scopes.Known)}.")
            .Validate(o => o.BootstrapClients.All(c => c.RequestsPerSecond is null or >= 1 and <= 1_000_000),
                "Auth:BootstrapClients RequestsPerSecond must be between 1 and 1000000.")
            .ValidateOnStart();
        builder.AddStore<IApiClientStore, SqliteApiClientStore, MongoApiClientStore>();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<ApiClientAdminService>();
        builder.Services.AddMemoryCache(cache => cache.SizeLimit = 10_000);
        // The token endpoint is anonymous and PBKDF2 is slow on purpose: limit how often one address may call it.
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(TokenRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.TokenRequestsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
            // Every authenticated request counts against its client's limit (ClientRateLimits).
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(ClientRateLimits.Partition);
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var policy = http.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute>();
                if (policy?.PolicyName != TokenRateLimit && http.Items[ClientRateLimits.LimitItem] is int perSecond)
                {
                    var seconds = ClientRateLimits.RetryAfterSeconds(context.Lease);
                    http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await ErrorResponses.WriteAsync(http, StatusCodes.Status429TooManyRequests,
                        new Common.ErrorBody($"This client may make {perSecond} requests per second; retry in {seconds} s.",
                            "too_many_requests", http.TraceIdentifier), cancellationToken);
                    return;
                }

                context.HttpContext.RequestServices.GetRequiredService<Common.ServiceMetrics>().TokenRefused("too_many_requests");
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests,
                    new Common.ErrorBody("Too many token requests from this address; retry in a minute.", "too_many_requests",
                        context.HttpContext.TraceIdentifier), cancellationToken);
            };
        });
        builder.Services.AddHostedService<BootstrapClientsService>();
        return builder;
    }
}
