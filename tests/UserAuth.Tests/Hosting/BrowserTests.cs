using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UserAuth.Api.Hosting;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Hosting;

/// <summary>Security headers on every answer, a policy Swagger UI works under, and the CORS allowlist (with preflights).</summary>
[Collection(SqliteCollection.Name)]
public sealed partial class BrowserTests(SqliteApiFixture fixture)
{
    private const string Dashboard = "https://admin.example.com";
    private const string Stranger = "https://evil.example.net";

    private static void AssertSecurityHeaders(HttpResponseMessage response, string policy)
    {
        var where = $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}";
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        Assert.Equal(["DENY"], response.Headers.GetValues("X-Frame-Options"));
        Assert.Equal(["no-referrer"], response.Headers.GetValues("Referrer-Policy"));
        Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp), where);
        Assert.Equal(policy, Assert.Single(csp));
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Server"), where);
        // Plain HTTP: HSTS means nothing there and is not sent.
        if (response.RequestMessage?.RequestUri?.Scheme == "http")
        {
            Assert.False(response.Headers.Contains("Strict-Transport-Security"), where);
        }
    }

    [Fact]
    public async Task Every_answer_carries_the_security_headers_errors_included()
    {
        var http = await fixture.ClientAsync();
        var app = Http.App(ApiFixture.NewApplicationId());
        var answers = new[]
        {
            await http.GetAsync($"{app}/customers/list"),
            await http.GetAsync($"{app}/customers/list?page_size=1000"),
            await http.GetAsync($"{app}/customers/{ApiFixture.NewApplicationId()}/timeline"),
            await fixture.Anonymous().GetAsync($"{app}/customers/list"),
            await fixture.Anonymous().GetAsync("/health/live"),
            await http.PostAsync($"{app}/customers", Http.RawJson("{not json")),
        };
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.Unauthorized,
            HttpStatusCode.OK, HttpStatusCode.BadRequest], answers.Select(a => a.StatusCode));
        foreach (var answer in answers)
        {
            AssertSecurityHeaders(answer, BrowserExtensions.ApiPolicy);
        }

        Assert.False(fixture.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.AddServerHeader);
    }

    [Fact]
    public async Task Swagger_ui_is_served_under_a_policy_that_allows_what_it_loads()
    {
        var http = fixture.Anonymous();
        var page = await http.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        AssertSecurityHeaders(page, BrowserExtensions.SwaggerPolicy);
        var html = await page.Content.ReadAsStringAsync();

        // Everything the page loads comes from this origin (the policy's 'self'), with the content type nosniff needs.
        var sources = Sources().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            Assert.False(source.Contains("//", StringComparison.Ordinal), $"{source} is not on this origin");
            var asset = await http.GetAsync(new Uri(new Uri("http://localhost/swagger/index.html"), source));
            Assert.True(asset.IsSuccessStatusCode, source);
            var type = asset.Content.Headers.ContentType?.MediaType ?? "";
            Assert.True(source.EndsWith(".js", StringComparison.Ordinal) ? type.Contains("javascript", StringComparison.Ordinal)
                : !source.EndsWith(".css", StringComparison.Ordinal) || type == "text/css", $"{source}: {type}");
        }

        // The document the UI loads is a same-origin fetch ('connect-src self').
        var document = await http.GetAsync("/swagger/v1/swagger.json");
        AssertSecurityHeaders(document, BrowserExtensions.SwaggerPolicy);
    }

    [Fact]
    public async Task Hsts_is_sent_on_https_outside_development()
    {
        fixture.RequireStore();
        var https = fixture.Factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });
        var answer = await https.GetAsync("/health/live");
        Assert.Equal(["max-age=31536000; includeSubDomains"], answer.Headers.GetValues("Strict-Transport-Security"));

        await using var development = fixture.Factory.WithWebHostBuilder(b => b.UseEnvironment("Development"));
        var local = development.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") });
        Assert.False((await local.GetAsync("/health/live")).Headers.Contains("Strict-Transport-Security"));
    }

    private static HttpRequestMessage Preflight(string origin, string method = "POST") =>
        new(HttpMethod.Options, $"{Http.App(ApiFixture.NewApplicationId())}/customers")
        {
            Headers =
            {
                { "Origin", origin },
                { "Access-Control-Request-Method", method },
                { "Access-Control-Request-Headers", "authorization,content-type,idempotency-key" },
            },
        };

    [Fact]
    public async Task A_preflight_from_an_allowed_origin_is_answered_and_one_from_any_other_is_not()
    {
        fixture.RequireStore();
        await using var host = fixture.Factory.WithWebHostBuilder(b => b.UseSetting("Cors:AllowedOrigins:0", Dashboard));
        var http = host.CreateClient();

        var allowed = await http.SendAsync(Preflight(Dashboard));
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal([Dashboard], allowed.Headers.GetValues("Access-Control-Allow-Origin"));
        Assert.Contains("POST", string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
        var headers = string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        Assert.Contains("authorization", headers, StringComparison.Ordinal);
        Assert.Contains("idempotency-key", headers, StringComparison.Ordinal);
        Assert.Equal(["600"], allowed.Headers.GetValues("Access-Control-Max-Age"));
        Assert.False(allowed.Headers.Contains("Access-Control-Allow-Credentials"));

        var refused = await http.SendAsync(Preflight(Stranger));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Methods"));
        // A method outside the list: the answer names the allowed ones, without it (the browser then refuses).
        var badMethod = await http.SendAsync(Preflight(Dashboard, "TRACE"));
        Assert.DoesNotContain("TRACE", string.Join(",", badMethod.Headers.TryGetValues("Access-Control-Allow-Methods", out var methods) ? methods : []),
            StringComparison.Ordinal);

        // The requests themselves: the dashboard may read the answer (errors too), the stranger's page may not.
        var token = await ApiFixture.TokenAsync(http, TestClients.Main);
        foreach (var (origin, readable) in new[] { (Dashboard, true), (Stranger, false) })
        {
            foreach (var bearer in new[] { token, "garbage" })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"{Http.App(ApiFixture.NewApplicationId())}/customers/list");
                request.Headers.Add("Origin", origin);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                var answer = await http.SendAsync(request);
                Assert.Equal(bearer == token ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, answer.StatusCode);
                Assert.Equal(readable, answer.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin);
            }
        }
    }

    [Fact]
    public async Task No_origin_is_allowed_by_default()
    {
        var http = fixture.Anonymous();
        foreach (var origin in new[] { Dashboard, Stranger, "http://localhost" })
        {
            var answer = await http.SendAsync(Preflight(origin));
            Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"), origin);
        }
    }

    [Theory]
    [InlineData("*")]
    [InlineData("https://admin.example.com/")]
    [InlineData("https://admin.example.com/path")]
    [InlineData("admin.example.com")]
    [InlineData("ftp://admin.example.com")]
    [InlineData("https://*.example.com")]
    public void A_malformed_origin_stops_start_up_naming_the_setting(string origin)
    {
        fixture.RequireStore();
        using var host = fixture.Factory.WithWebHostBuilder(b => b.UseSetting("Cors:AllowedOrigins:0", origin));
        var e = Assert.ThrowsAny<Exception>(() => host.Server);
        Assert.Contains("Cors:AllowedOrigins", e.ToString(), StringComparison.Ordinal);
    }

    [GeneratedRegex("""(?:src|href)="(?<url>[^"#]+)""")]
    private static partial Regex Sources();
}
