using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Auth;

internal sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string Scope, long ExpiresAt);

/// <summary>Client credentials in, a signed bearer token out.</summary>
internal sealed class TokenService(IApiClientStore clients, IOptions<AuthOptions> options, TimeProvider clock, IMemoryCache cache)
{
    private static readonly JsonWebTokenHandler Handler = new();
    private static readonly TimeSpan VerifiedFor = TimeSpan.FromMinutes(5);

    public async Task<TokenResponse> IssueAsync(string companyId, string clientId, string clientSecret, string? requestedScope,
        CancellationToken cancellationToken)
    {
        var client = await clients.FindByClientIdAsync(clientId, cancellationToken);
        // The same answer, in the same time, for an unknown client, a wrong secret and another company's client: each
        // costs one full PBKDF2 verification. The company is checked before the secret, so the cache of verified secrets
        // (which makes a right secret cheap) never answers for another company's client.
        if (client is null || client.CompanyId != companyId)
        {
            _ = SecretHasher.Verify(clientSecret, SecretHasher.Decoy);
            throw new InvalidClientException();
        }

        if (!IsRightSecret(client, clientSecret))
        {
            throw new InvalidClientException();
        }

        var granted = client.Scopes.Count == 0 ? Scopes.All.ToList() : client.Scopes;
        if (!string.IsNullOrWhiteSpace(requestedScope))
        {
            var requested = requestedScope.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = requested.Where(s => !granted.Contains(s)).ToList();
            if (unknown.Count > 0)
            {
                throw new BadRequestException($"Scope not allowed for this client: {string.Join(' ', unknown)}", "invalid_scope");
            }

            granted = requested.Distinct().ToList();
        }

        var auth = options.Value;
        var now = clock.GetUtcNow();
        var expires = now.AddSeconds(auth.TokenLifetimeSeconds);
        var claims = new List<Claim>
        {
            new(JwtRegisteredClaimNames.Sub, client.ClientId),
            new(JwtRegisteredClaimNames.Jti, Ids.New()),
            new(TokenClaims.ClientId, client.ClientId),
            new(TokenClaims.CompanyId, client.CompanyId),
            new(TokenClaims.Scope, string.Join(' ', granted)),
        };
        claims.AddRange(client.ApplicationIds.Select(a => new Claim(TokenClaims.ApplicationId, a)));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(auth.SigningKeyBytes), SecurityAlgorithms.HmacSha256),
        };
        var token = Handler.CreateToken(descriptor);
        return new TokenResponse(token, "Bearer", auth.TokenLifetimeSeconds, string.Join(' ', granted),
            expires.ToUnixTimeSeconds());
    }

    /// <summary>
    /// PBKDF2 costs ~25 ms by design; a secret that verified is remembered for a few minutes, in memory only, under a
    /// SHA-256 of client id, stored hash and secret (a rotated secret or hash misses the cache).
    /// </summary>
    private bool IsRightSecret(ApiClient client, string secret)
    {
        var key = "secret-ok:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{client.ClientId}\n{client.SecretHash}\n{secret}")));
        if (cache.TryGetValue(key, out _))
        {
            return true;
        }

        if (!SecretHasher.Verify(secret, client.SecretHash))
        {
            return false;
        }

        cache.Set(key, true, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = VerifiedFor, Size = 1 });
        return true;
    }
}

internal sealed class InvalidClientException()
    : ApiException(StatusCodes.Status401Unauthorized, "invalid_client", "Client authentication failed.");
