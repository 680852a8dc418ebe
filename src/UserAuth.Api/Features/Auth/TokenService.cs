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
        // A disabled client is refused like an unknown one.
        if (client is null || client.CompanyId != companyId || client.Disabled)
        {
            _ = SecretHasher.Verify(clientSecret, SecretHasher.Decoy);
            throw new InvalidClientException();
        }

        // The current secret gets a token of the current generation; during a rotation's grace period the previous
        // secret still gets one, of the previous generation, which the client check refuses once the grace period ends.
        long generation;
        if (IsRightSecret(client.ClientId, client.SecretHash, clientSecret))
        {
            generation = client.Generation;
        }
        else if (client.InGracePeriod(clock.GetUtcNow().UtcDateTime) && client.PreviousSecretHash is { } previous &&
                 IsRightSecret(client.ClientId, previous, clientSecret))
        {
            generation = client.Generation - 1;
        }
        else
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
            new(TokenClaims.Generation, generation.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ClaimValueTypes.Integer64),
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
    private bool IsRightSecret(string clientId, string secretHash, string secret)
    {
        var key = "secret-ok:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{clientId}\n{secretHash}\n{secret}")));
        if (cache.TryGetValue(key, out _))
        {
            return true;
        }

        if (!SecretHasher.Verify(secret, secretHash))
        {
            return false;
        }

        cache.Set(key, true, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = VerifiedFor, Size = 1 });
        return true;
    }
}

internal sealed class InvalidClientException()
    : ApiException(StatusCodes.Status401Unauthorized, "invalid_client", "Client authentication failed.");
