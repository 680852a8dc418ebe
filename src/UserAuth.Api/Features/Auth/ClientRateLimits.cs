using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace UserAuth.Api.Features.Auth;

/// <summary>
/// Per-client request limits: a token bucket per client on each instance holding its requests per second (the client's
/// own, else <see cref="AuthOptions.DefaultRequestsPerSecond"/>), refilled every second, so a client may spend one
/// second's worth at once. Per instance: N instances behind a balancer admit up to N times the limit (documented in
/// README and docs/RELIABILITY.md). A changed limit takes effect with the client check (<see cref="ClientGate"/>).
/// </summary>
internal static class ClientRateLimits
{
    /// <summary>The request item set when a request was counted against its client's limit (its limit per second).</summary>
    public const string LimitItem = "userauth.client_limit";

    public static RateLimitPartition<string> Partition(HttpContext context)
    {
        if (context.Items[ClientGate.ClientItem] is not ApiClient client)
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        var perSecond = client.RequestsPerSecond ??
                        context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.DefaultRequestsPerSecond;
        if (perSecond <= 0)
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        context.Items[LimitItem] = perSecond;
        // Keyed by the limit too: a changed limit gets a fresh bucket (the old one is dropped once idle).
        return RateLimitPartition.GetTokenBucketLimiter(
            client.ClientId + "\n" + perSecond.ToString(CultureInfo.InvariantCulture),
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = perSecond,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
    }

    /// <summary>Whole seconds until a refused request may succeed: what the lease says, at least 1.</summary>
    public static int RetryAfterSeconds(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
}
