using Microsoft.Extensions.Options;
using UserAuth.Api.Features.Sessions;

namespace UserAuth.Tests.Sessions;

/// <summary>The cookie is byte for byte express-session's (vectors from Node's crypto, as cookie-signature computes them).</summary>
public sealed class SessionCookiesTests
{
    private static SessionCookies With(string secret, params string[] previous) =>
        new(Options.Create(new UserSessionOptions { CookieSecret = secret, PreviousCookieSecrets = [.. previous] }));

    [Theory]
    [InlineData("-LrEF5FVR8jrT5DCtCHSbAy7JFyX-f9T", "s%3A-LrEF5FVR8jrT5DCtCHSbAy7JFyX-f9T.hzIquirClp2i93qGGSNOfcALZ7VnvCJzMnA66FUihVw")]
    [InlineData("abc_DEF-123", "s%3Aabc_DEF-123.WE%2Fv3L5D%2FEz8652TMYK93Z8M%2Bau3jUdKA0PEe%2FUy%2FDs")]
    public void Encodes_like_express_session_and_cookie_signature(string sid, string expected)
    {
        var cookies = With("keyboard cat");

        Assert.Equal(expected, cookies.Encode(sid));
        Assert.Equal(sid, cookies.Unsign(expected));
        Assert.Equal(sid, cookies.Unsign(Uri.UnescapeDataString(expected)));
    }

    [Fact]
    public void A_sid_is_32_random_bytes_in_url_safe_base64()
    {
        var sids = Enumerable.Range(0, 100).Select(_ => SessionCookies.NewSid()).ToList();

        Assert.All(sids, sid => Assert.Matches("^[A-Za-z0-9_-]{43}$", sid));
        Assert.Equal(sids.Count, sids.Distinct().Count());
    }

    [Fact]
    public void Hashes_the_sid_with_sha256()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", SessionCookies.Hash("abc"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("s:abc_DEF-123")]
    [InlineData("s:abc_DEF-123.")]
    [InlineData("s:.WE/v3L5D/Ez8652TMYK93Z8M+au3jUdKA0PEe/Uy/Ds")]
    [InlineData("abc_DEF-123.WE/v3L5D/Ez8652TMYK93Z8M+au3jUdKA0PEe/Uy/Ds")]
    [InlineData("s:abc_DEF-124.WE/v3L5D/Ez8652TMYK93Z8M+au3jUdKA0PEe/Uy/Ds")]
    [InlineData("s:abc_DEF-123.WE/v3L5D/Ez8652TMYK93Z8M+au3jUdKA0PEe/Uy/Dt")]
    [InlineData("s%3Aabc_DEF-123.WE%2Fv3L5D%2FEz8652TMYK93Z8M%2Bau3jUdKA0PEe%2FUy%2FD%")]
    public void Refuses_anything_not_signed_by_the_secret(string? cookie)
    {
        Assert.Null(With("keyboard cat").Unsign(cookie));
    }

    [Fact]
    public void Previous_secrets_still_verify_but_new_cookies_use_the_current_one()
    {
        var old = With("keyboard cat").Encode("abc_DEF-123");
        var rotated = With("a new secret", "keyboard cat");

        Assert.Equal("abc_DEF-123", rotated.Unsign(old));
        Assert.NotEqual(old, rotated.Encode("abc_DEF-123"));
        Assert.Null(With("a new secret").Unsign(old));
    }
}
