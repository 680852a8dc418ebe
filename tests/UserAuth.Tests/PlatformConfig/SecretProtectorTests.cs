using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Features.PlatformConfig;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.PlatformConfig;

/// <summary>AES-GCM protection of stored secrets, and the start-up rules of its key (Secrets:EncryptionKey).</summary>
public sealed class SecretProtectorTests
{
    private static readonly string Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static SecretProtector Protector(string key, string environment = "Production") =>
        new(Options.Create(new SecretsOptions { EncryptionKey = key }), new Environment(environment),
            NullLogger<SecretProtector>.Instance);

    [Fact]
    public void Protect_round_trips_with_a_versioned_random_ciphertext()
    {
        var protector = Protector(Key);
        var first = protector.Protect("app-secret-ü-123");
        var second = protector.Protect("app-secret-ü-123");

        Assert.StartsWith("v1:", first, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
        Assert.DoesNotContain("app-secret", first, StringComparison.Ordinal);
        Assert.Equal("app-secret-ü-123", protector.Unprotect(first));
        Assert.Equal("app-secret-ü-123", protector.Unprotect(second));
        Assert.Equal("", protector.Unprotect(protector.Protect("")));
    }

    [Fact]
    public void Unprotect_refuses_altered_foreign_or_malformed_values()
    {
        var protector = Protector(Key);
        var protectedText = protector.Protect("secret");
        var bytes = Convert.FromBase64String(protectedText[3..]);
        bytes[^1] ^= 1;

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect("v1:" + Convert.ToBase64String(bytes)));
        Assert.ThrowsAny<CryptographicException>(() =>
            Protector(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))).Unprotect(protectedText));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect("v2:" + protectedText[3..]));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect("v1:not base64!"));
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect("v1:AAAA"));
    }

    [Fact]
    public void Without_a_key_Development_and_Testing_use_a_fixed_development_key()
    {
        var testing = Protector("", "Testing");
        var development = Protector("", "Development");
        Assert.Equal("shared", development.Unprotect(testing.Protect("shared")));
        Assert.Throws<InvalidOperationException>(() => Protector("", "Production"));
    }

    [Theory]
    [InlineData("Production", "", "Secrets:EncryptionKey is required")]
    [InlineData("Staging", "", "Secrets:EncryptionKey is required")]
    [InlineData("Production", "dG9vLXNob3J0", "exactly 32 bytes")]
    [InlineData("Testing", "not base64 at all", "exactly 32 bytes")]
    public void Options_validation_names_the_key_and_what_is_wrong(string environment, string key, string message)
    {
        using var services = Services(environment, key);
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SecretsOptions>>().Value);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Testing", "")]
    [InlineData("Development", "")]
    [InlineData("Production", null)]
    public void Options_validation_accepts_a_good_key_or_the_development_fallback(string environment, string? key)
    {
        using var services = Services(environment, key ?? Key);
        var protector = services.GetRequiredService<SecretProtector>();
        Assert.Equal("x", protector.Unprotect(protector.Protect("x")));
    }

    [Fact]
    public async Task Production_without_a_key_does_not_start()
    {
        var folder = Path.Combine(Path.GetTempPath(), "userauth-tests-" + Guid.NewGuid().ToString("N"));
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Provider"] = "Sqlite";
        settings["Storage:Sqlite:Path"] = Path.Combine(folder, "userauth.db");
        await using var factory = new ProductionFactory(settings);
        try
        {
            var error = Assert.ThrowsAny<Exception>(() => factory.Server);
            var messages = string.Join(" | ", Flatten(error).Select(e => e.Message));
            Assert.Contains("Secrets:EncryptionKey is required", messages, StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }

    private static ServiceProvider Services(string environment, string key)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.Configuration["Secrets:EncryptionKey"] = key;
        builder.AddUserAuthPlatformConfig();
        return builder.Services.BuildServiceProvider();
    }

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;

        public string ApplicationName { get; set; } = "UserAuth.Api";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } =
            new Microsoft.Extensions.FileProviders.NullFileProvider();
    }

    /// <summary>The real service in the Production environment, with everything but the secrets key configured.</summary>
    private sealed class ProductionFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
