using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Tests.Auth;

/// <summary>The bearer handler remembers tokens it validated, but never past their own expiry, and never a bad one.</summary>
public sealed class ValidatedTokenCacheTests
{
    private static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes("validated-token-cache-test-key-0123456789abcdef"));

    private static readonly TokenValidationParameters Parameters = new()
    {
        ValidIssuer = "issuer",
        ValidAudience = "audience",
        IssuerSigningKey = Key,
        ClockSkew = TimeSpan.Zero,
    };

    private static string Token(DateTime expires) => new ValidatedTokenCache().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "issuer",
        Audience = "audience",
        Subject = new ClaimsIdentity([new Claim("client_id", "c1")]),
        NotBefore = DateTime.UtcNow.AddMinutes(-1),
        IssuedAt = DateTime.UtcNow.AddMinutes(-1),
        Expires = expires,
        SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
    });

    [Fact]
    public async Task A_remembered_token_is_refused_once_it_expires()
    {
        var cache = new ValidatedTokenCache();
        var token = Token(DateTime.UtcNow.AddSeconds(2));
        Assert.True((await cache.ValidateTokenAsync(token, Parameters)).IsValid);
        Assert.True((await cache.ValidateTokenAsync(token, Parameters)).IsValid); // from the cache

        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);
        Assert.False((await cache.ValidateTokenAsync(token, Parameters)).IsValid);
    }

    [Fact]
    public async Task A_token_that_failed_is_not_remembered_and_a_changed_token_is_validated_afresh()
    {
        var cache = new ValidatedTokenCache();
        var token = Token(DateTime.UtcNow.AddHours(1));
        Assert.True((await cache.ValidateTokenAsync(token, Parameters)).IsValid);

        var tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];
        Assert.False((await cache.ValidateTokenAsync(tampered, Parameters)).IsValid);
        Assert.False((await cache.ValidateTokenAsync(tampered, Parameters)).IsValid);
        var otherKey = new TokenValidationParameters
        {
            ValidIssuer = "issuer", ValidAudience = "audience", ClockSkew = TimeSpan.Zero,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes("another-key-entirely-0123456789abcdef-0123")),
        };
        Assert.False((await new ValidatedTokenCache().ValidateTokenAsync(token, otherKey)).IsValid);
    }
}
