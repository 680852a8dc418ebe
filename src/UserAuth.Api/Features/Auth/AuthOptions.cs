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

    /// <summary>Space- or comma-separated; empty means every scope.</summary>
    public string? Scopes { get; set; }
}
