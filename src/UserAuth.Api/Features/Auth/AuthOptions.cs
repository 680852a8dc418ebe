using System.ComponentModel.DataAnnotations;
using System.Text;

namespace UserAuth.Api.Features.Auth;

internal sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>HMAC-SHA256 key shared by every instance, so a token verifies on all of them. At least 32 bytes.</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>
    /// Older signing keys whose tokens still verify, for key rotation: tokens are always signed with
    /// <see cref="SigningKey"/>; drop an old key once the tokens it signed have expired (TokenLifetimeSeconds).
    /// </summary>
    public List<string> PreviousSigningKeys { get; set; } = [];

    public string Issuer { get; set; } = "userauth";

    public string Audience { get; set; } = "userauth-platform";

    [Range(60, 86_400)]
    public int TokenLifetimeSeconds { get; set; } = 3600;

    /// <summary>Token requests one address may make per minute; then 429.</summary>
    [Range(1, int.MaxValue)]
    public int TokenRequestsPerMinute { get; set; } = 60;

    /// <summary>
    /// How long an instance trusts what it read of a client (disabled, generation, limits) before reading it again: a
    /// disabled, rotated-out or re-scoped client's tokens are refused on every instance within this time (plus one
    /// store read). One store read per client per interval, never per request. 0 reads the store on every request.
    /// </summary>
    [Range(0, 10_000)]
    public int ClientCheckMilliseconds { get; set; } = 1000;

    /// <summary>How long a rotated-out secret (and the tokens it got) stays valid when the rotation names no grace period.</summary>
    [Range(0, MaxRotationGraceSeconds)]
    public int RotationGraceSeconds { get; set; } = 3600;

    /// <summary>The longest grace period a rotation may ask for (7 days).</summary>
    public const int MaxRotationGraceSeconds = 604_800;

    /// <summary>
    /// Requests per second a client may make on one instance when it has no limit of its own; 0: no limit. The limit
    /// is per instance: N instances behind a balancer admit up to N times it.
    /// </summary>
    [Range(0, 1_000_000)]
    public int DefaultRequestsPerSecond { get; set; } = 10_000;

    /// <summary>Clients created or updated at start-up (the first client needs no database console).</summary>
    public List<BootstrapClient> BootstrapClients { get; set; } = [];

    public byte[] SigningKeyBytes => Encoding.UTF8.GetBytes(SigningKey);
}

internal sealed class BootstrapClient
{
    public string ClientId { get; set; } = "";

    public string ClientSecret { get; set; } = "";

    public string CompanyId { get; set; } = "";

    public List<string> ApplicationIds { get; set; } = [];

    /// <summary>Space- or comma-separated; empty means user:read and user:write. client:admin only when named.</summary>
    public string? Scopes { get; set; }

    /// <summary>This client's own requests-per-second limit (per instance); null: the default.</summary>
    public int? RequestsPerSecond { get; set; }
}
