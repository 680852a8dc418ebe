using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace UserAuth.Api.Features.Sessions;

/// <summary>
/// The <c>f.session</c> cookie, byte for byte what express-session writes: the value <c>s:&lt;sid&gt;.&lt;sig&gt;</c>
/// where sig is the base64 HMAC-SHA256 of the sid under the secret with its <c>=</c> padding removed (npm
/// <c>cookie-signature</c>), URL-encoded like the <c>cookie</c> package does (<c>s%3A...</c>). The sid is 32 random
/// bytes in URL-safe base64 without padding (like <c>uid-safe</c>). Only the SHA-256 of the sid is stored.
/// </summary>
internal sealed class SessionCookies(IOptions<UserSessionOptions> options)
{
    public const string Name = "f.session";
    private const string Prefix = "s:";
    private const int SidBytes = 32;

    /// <summary>A new unguessable session id.</summary>
    public static string NewSid() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SidBytes));

    /// <summary>Lowercase hex SHA-256 of the sid: what the store keeps and looks sessions up by.</summary>
    public static string Hash(string sid) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sid)));

    /// <summary>The cookie value as a browser receives it: <c>s%3A&lt;sid&gt;.&lt;sig&gt;</c>.</summary>
    public string Encode(string sid) => Uri.EscapeDataString(Prefix + sid + "." + Sign(sid, options.Value.CookieSecret));

    /// <summary>
    /// The sid of a cookie value, URL-encoded (<c>s%3A...</c>) or not (<c>s:...</c>), when its signature verifies
    /// under the current or a previous secret; otherwise null.
    /// </summary>
    public string? Unsign(string? cookie)
    {
        if (string.IsNullOrEmpty(cookie))
        {
            return null;
        }

        var value = cookie;
        if (value.Contains('%', StringComparison.Ordinal))
        {
            try
            {
                value = Uri.UnescapeDataString(value);
            }
            catch (UriFormatException)
            {
                return null;
            }
        }

        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var signed = value[Prefix.Length..];
        var dot = signed.LastIndexOf('.');
        if (dot <= 0 || dot == signed.Length - 1)
        {
            return null;
        }

        var sid = signed[..dot];
        var signature = Encoding.UTF8.GetBytes(signed[(dot + 1)..]);
        var settings = options.Value;
        foreach (var secret in settings.PreviousCookieSecrets.Prepend(settings.CookieSecret))
        {
            if (!string.IsNullOrEmpty(secret) &&
                CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(Sign(sid, secret)), signature))
            {
                return sid;
            }
        }

        return null;
    }

    /// <summary>cookie-signature's signature: base64 HMAC-SHA256 of the value, trailing <c>=</c> removed.</summary>
    public static string Sign(string value, string secret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(value))).TrimEnd('=');
}
