using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Auth;

internal sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, string Scope, long ExpiresAt);

/// <summary>Client credentials in, a signed bearer token out.</summary>
internal sealed class TokenService(IApiClientStore clients, IOptions<AuthOptions> options, TimeProvider clock)
{
    private static readonly JsonWebTokenHandler Handler = new();

    public async Task<TokenResponse> IssueAsync(string companyId, string clientId, string clientSecret, string? requestedScope,
        CancellationToken cancellationToken)
    {
        var client = await clients.FindByClientIdAsync(clientId, cancellationToken);
        // The same answer for an unknown client, a wrong secret and another company's client.
        if (client is null || !SecretHasher.Verify(clientSecret, client.SecretHash) || client.CompanyId != companyId)
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
}

internal sealed class InvalidClientException()
    : ApiException(StatusCodes.Status401Unauthorized, "invalid_client", "Client authentication failed.");
