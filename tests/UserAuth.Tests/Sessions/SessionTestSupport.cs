using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Features.PlatformConfig;
using UserAuth.Api.Features.Sessions;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Sessions;

/// <summary>A clock that runs with real time plus an offset the test moves forward.</summary>
public sealed class TestClock : TimeProvider
{
    private long offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + Offset;

    public void Advance(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);
}

/// <summary>Login settings per application, defaulting to the documented 30 days, not rolling.</summary>
internal sealed class TestLoginSettings : ILoginSettings
{
    public static readonly LoginSettings Default = new(TimeSpan.FromDays(30), SessionIsRolling: false, DeleteAccountDays: 7);

    private readonly ConcurrentDictionary<string, LoginSettings> byApplication = new();

    public void Set(string applicationId, LoginSettings settings) => byApplication[applicationId] = settings;

    public Task<LoginSettings> GetAsync(Tenant tenant, CancellationToken cancellationToken) =>
        Task.FromResult(byApplication.GetValueOrDefault(tenant.ApplicationId, Default));
}

/// <summary>Small helpers over the session routes.</summary>
internal static class SessionApi
{
    public const string Domain = "shop.example.com";

    /// <summary>Kept for tests written before the shared builders: use <see cref="TestUsers"/>.</summary>
    public static async Task<string> CreateUserAsync(this HttpClient http, string app) => (await http.NewCustomerAsync(app)).Id;

    public static async Task<JsonElement> CreateSessionAsync(this HttpClient http, string app, string userId, object? extra = null,
        HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = new Dictionary<string, object?> { ["user_id"] = userId, ["domain"] = Domain };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        return await http.PostJsonAsync($"{Http.App(app)}/customers/session", body, status);
    }

    public static string Cookie(JsonElement created) => created.GetProperty("cookie").GetProperty("f.session").GetString()!;

    public static async Task<List<JsonElement>> ListAsync(this HttpClient http, string app, string userId,
        HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = await http.GetJsonAsync($"{Http.App(app)}/customers/sessions?id={userId}", status);
        return status == HttpStatusCode.OK ? body.GetProperty("items").EnumerateArray().ToList() : [];
    }

    public static async Task<JsonElement> VerifyAsync(this HttpClient http, string app, string cookie,
        HttpStatusCode status = HttpStatusCode.OK) =>
        await http.PostJsonAsync($"{Http.App(app)}/customers/session/verify", new { cookie }, status);

    public static async Task<JsonElement> DeleteAsync(this HttpClient http, string path, HttpStatusCode status = HttpStatusCode.OK) =>
        await (await http.DeleteAsync(path)).ExpectAsync(status);

    public static Task<JsonElement> DeleteSessionAsync(this HttpClient http, string app, string userId, string sessionId,
        string reason = "lost device", HttpStatusCode status = HttpStatusCode.OK) =>
        http.DeleteAsync($"{Http.App(app)}/customers/session?id={userId}&session_id={Uri.EscapeDataString(sessionId)}&reason={Uri.EscapeDataString(reason)}",
            status);

    public static Task<JsonElement> DeleteAllAsync(this HttpClient http, string app, string userId, string reason = "sign out everywhere",
        HttpStatusCode status = HttpStatusCode.OK) =>
        http.DeleteAsync($"{Http.App(app)}/customers/sessions?id={userId}&reason={Uri.EscapeDataString(reason)}", status);

    /// <summary>The configured (or development) cookie secret of the running service.</summary>
    public static string Secret(IServiceProvider services) =>
        services.GetRequiredService<IOptions<UserSessionOptions>>().Value.CookieSecret;

    /// <summary>The sid of a cookie value after checking it is express-session's signed form under <paramref name="secret"/>.</summary>
    public static string AssertSignedCookie(string cookie, string secret)
    {
        Assert.StartsWith("s%3A", cookie, StringComparison.Ordinal);
        var value = Uri.UnescapeDataString(cookie);
        Assert.Equal(cookie, Uri.EscapeDataString(value));
        var dot = value.LastIndexOf('.');
        var sid = value[2..dot];
        var signature = value[(dot + 1)..];
        Assert.Matches("^[A-Za-z0-9_-]{43}$", sid);
        var expected = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes(sid))).TrimEnd('=');
        Assert.Equal(expected, signature);
        return sid;
    }

    public static DateTime Instant(JsonElement element) =>
        DateTime.Parse(element.GetString()!, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);

    public static async Task<HttpClient> WithTokenAsync(this HttpClient http, ApiFixture fixture, TestClient? client = null)
    {
        // Tokens come from the fixture's own service (system clock), valid on every host sharing the signing key.
        var token = await ApiFixture.TokenAsync(fixture.Anonymous(), client ?? TestClients.Main);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public static async Task<JsonElement> ReadAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();
}
