using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Hosting;

/// <summary>Rotating the token signing key and the secrets encryption key without a cut-over (README, Operating it).</summary>
public sealed class KeyRotationTests
{
    private static ApiFactory Start(string signingKey, params string[] previous)
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Sqlite:Path"] = Path.Combine(Path.GetTempPath(), $"userauth-rotation-{Guid.NewGuid():N}.db");
        settings["Auth:SigningKey"] = signingKey;
        for (var i = 0; i < previous.Length; i++)
        {
            settings[$"Auth:PreviousSigningKeys:{i}"] = previous[i];
        }

        return new ApiFactory(settings);
    }

    private static async Task<HttpStatusCode> ListWithAsync(ApiFactory factory, string token)
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await http.GetAsync($"{Http.App(ApiFixture.NewApplicationId())}/customers/list")).StatusCode;
    }

    [Fact]
    public async Task Tokens_of_a_previous_signing_key_verify_while_it_is_listed()
    {
        const string oldKey = "rotation-old-signing-key-0123456789abcdef0123456789";
        const string newKey = "rotation-new-signing-key-0123456789abcdef0123456789";
        using var before = Start(oldKey);
        var oldToken = await ApiFixture.TokenAsync(before.CreateClient(), TestClients.Main);

        using var during = Start(newKey, oldKey);
        Assert.Equal(HttpStatusCode.OK, await ListWithAsync(during, oldToken));
        var newToken = await ApiFixture.TokenAsync(during.CreateClient(), TestClients.Main);
        Assert.Equal(HttpStatusCode.Unauthorized, await ListWithAsync(before, newToken)); // signed with the new key

        using var after = Start(newKey);
        Assert.Equal(HttpStatusCode.Unauthorized, await ListWithAsync(after, oldToken));
        Assert.Equal(HttpStatusCode.OK, await ListWithAsync(after, newToken));
    }

    [Fact]
    public void A_short_previous_signing_key_stops_start_up()
    {
        using var factory = Start("rotation-new-signing-key-0123456789abcdef0123456789", "short");
        var e = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains("Auth:PreviousSigningKeys", e.ToString(), StringComparison.Ordinal);
    }

    private static SecretProtector Protector(string key, params string[] previous) =>
        new(Options.Create(new SecretsOptions { EncryptionKey = key, PreviousEncryptionKeys = [.. previous] }),
            new HostEnvironment(), NullLogger<SecretProtector>.Instance);

    [Fact]
    public void Values_of_a_previous_encryption_key_decrypt_while_it_is_listed()
    {
        var oldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var newKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var stored = Protector(oldKey).Protect("app-secret");

        var rotating = Protector(newKey, oldKey);
        Assert.Equal("app-secret", rotating.Unprotect(stored));
        var rewritten = rotating.Protect("app-secret");
        Assert.Equal("app-secret", Protector(newKey).Unprotect(rewritten)); // new values use the new key only
        Assert.ThrowsAny<CryptographicException>(() => Protector(newKey).Unprotect(stored));
        Assert.ThrowsAny<CryptographicException>(() => Protector(oldKey).Unprotect(rewritten));
        Assert.Throws<InvalidOperationException>(() => Protector(newKey, "not a key"));
    }

    private sealed class HostEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";
        public string ApplicationName { get; set; } = "UserAuth.Api";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } =
            new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
