using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using UserAuth.Api.Features.Auth;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Auth;

/// <summary>The token endpoint, bearer validation and the stored clients, against each store.</summary>
public abstract class AuthApiTests(ApiFixture fixture)
{
    private static string TokenPath(string company) => $"/service/panel/authentication/v1.0/company/{company}/oauth/token";

    private static HttpRequestMessage TokenRequest(string company, string? basic, params (string Key, string Value)[] form)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, TokenPath(company))
        {
            Content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))),
        };
        if (basic is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        }

        return request;
    }

    [Fact]
    public async Task Client_credentials_give_a_bearer_token()
    {
        var http = fixture.Anonymous();
        var main = TestClients.Main;
        var response = await http.SendAsync(TokenRequest(main.CompanyId, $"{main.ClientId}:{main.Secret}", ("grant_type", "client_credentials")));
        var body = await response.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(3600, body.GetProperty("expires_in").GetInt32());
        Assert.Equal("user:read user:write", body.GetProperty("scope").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());

        // Credentials in the form body work too, and a narrower scope can be asked for.
        var form = await (await http.SendAsync(TokenRequest(main.CompanyId, null, ("grant_type", "client_credentials"),
            ("client_id", main.ClientId), ("client_secret", main.Secret), ("scope", "user:read")))).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("user:read", form.GetProperty("scope").GetString());
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", form.GetProperty("access_token").GetString());
        await http.PostJsonAsync($"{Http.App(ApiFixture.NewApplicationId())}/customers", Build.User(), HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("tests-main:wrong-secret", "1001")]
    [InlineData("nobody:main-secret-123", "1001")]
    [InlineData("tests-main:main-secret-123", "2002")]
    [InlineData("not-base64-at-all", "1001")]
    public async Task Bad_credentials_are_401_invalid_client(string basic, string company)
    {
        var http = fixture.Anonymous();
        var request = TokenRequest(company, null, ("grant_type", "client_credentials"));
        request.Headers.TryAddWithoutValidation("Authorization", basic.Contains(':', StringComparison.Ordinal)
            ? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(basic))
            : "Basic " + basic);
        Http.AssertError(await (await http.SendAsync(request)).ExpectAsync(HttpStatusCode.Unauthorized), "invalid_client");
    }

    [Fact]
    public async Task Token_requests_are_rate_limited_per_address_with_an_error_body()
    {
        fixture.RequireStore();
        await using var limited = fixture.Factory.WithWebHostBuilder(b => b.UseSetting("Auth:TokenRequestsPerMinute", "3"));
        var http = limited.CreateClient();
        var basic = $"{TestClients.Main.ClientId}:{TestClients.Main.Secret}";
        for (var i = 0; i < 3; i++)
        {
            await (await http.SendAsync(TokenRequest("1001", basic, ("grant_type", "client_credentials")))).ExpectAsync(HttpStatusCode.OK);
        }

        var refused = await http.SendAsync(TokenRequest("1001", basic, ("grant_type", "client_credentials")));
        Assert.Equal("60", refused.Headers.RetryAfter?.ToString());
        Http.AssertError(await refused.ExpectAsync(HttpStatusCode.TooManyRequests), "too_many_requests");
    }

    [Fact]
    public async Task Other_grants_and_scopes_are_400()
    {
        var http = fixture.Anonymous();
        var basic = $"{TestClients.Main.ClientId}:{TestClients.Main.Secret}";
        Http.AssertError(await (await http.SendAsync(TokenRequest("1001", basic, ("grant_type", "password")))).ExpectAsync(HttpStatusCode.BadRequest),
            "unsupported_grant_type", "grant_type");
        Http.AssertError(await (await http.SendAsync(TokenRequest("1001", basic))).ExpectAsync(HttpStatusCode.BadRequest),
            "unsupported_grant_type");
        var readOnly = $"{TestClients.ReadOnly.ClientId}:{TestClients.ReadOnly.Secret}";
        Http.AssertError(await (await http.SendAsync(TokenRequest("1001", readOnly, ("grant_type", "client_credentials"), ("scope", "user:write"))))
            .ExpectAsync(HttpStatusCode.BadRequest), "invalid_scope");
    }

    [Fact]
    public async Task Forged_expired_and_garbage_tokens_are_401()
    {
        var path = $"{Http.App(ApiFixture.NewApplicationId())}/customers/list";
        foreach (var token in new[]
                 {
                     Token("another-key-that-is-long-enough-for-hmac-sha256!!", DateTime.UtcNow.AddHours(1)),
                     Token(ApiFactory.SigningKey, DateTime.UtcNow.AddMinutes(-5)),
                     "garbage",
                 })
        {
            var http = fixture.Anonymous();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            Http.AssertError(await http.GetJsonAsync(path, HttpStatusCode.Unauthorized), "unauthorized");
        }

        // The same claims, correctly signed and current, pass: the failures above are the signature and the expiry.
        var good = fixture.Anonymous();
        good.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(ApiFactory.SigningKey, DateTime.UtcNow.AddMinutes(5)));
        await good.GetJsonAsync(path);
    }

    [Fact]
    public async Task Each_denial_is_403_with_its_reason()
    {
        var app = ApiFixture.NewApplicationId();

        // A token of company 1001 with access to every application and both scopes, on company 2002's route: refused
        // for the company alone (no application list or scope would refuse it).
        var main = await fixture.ClientAsync(TestClients.Main);
        var company = await main.GetJsonAsync($"{Http.App(app, TestClients.OtherCompany.CompanyId)}/customers/list", HttpStatusCode.Forbidden);
        Http.AssertError(company, "forbidden");
        Assert.Equal("This token is not for this company.", company.GetProperty("message").GetString());
        await main.GetJsonAsync($"{Http.App(app)}/customers/list");

        // A token limited to one application, on another application of its company: refused for the application.
        var one = await fixture.ClientAsync(TestClients.OneApplication);
        var application = await one.GetJsonAsync($"{Http.App(app)}/customers/list", HttpStatusCode.Forbidden);
        Assert.Equal("This token is not for this application.", application.GetProperty("message").GetString());
        await one.GetJsonAsync($"{Http.App(TestClients.OneApplicationId.ToUpperInvariant())}/customers/list");

        // A read-only token on a write route of its own company and application: refused for the scope.
        var read = await fixture.ClientAsync(TestClients.ReadOnly);
        var scope = await read.PostJsonAsync($"{Http.App(app)}/customers", Build.User(), HttpStatusCode.Forbidden);
        Assert.Equal("This token lacks the scope 'user:write'.", scope.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Client_secrets_are_stored_hashed()
    {
        fixture.RequireStore();
        var store = fixture.Services.GetRequiredService<IApiClientStore>();
        var client = await store.FindByClientIdAsync(TestClients.Main.ClientId, CancellationToken.None);
        Assert.NotNull(client);
        Assert.StartsWith("pbkdf2-sha256$", client.SecretHash, StringComparison.Ordinal);
        Assert.DoesNotContain(TestClients.Main.Secret, client.SecretHash, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_and_swagger_need_no_token()
    {
        var http = fixture.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        var swagger = await http.GetJsonAsync("/swagger/v1/swagger.json");
        var paths = swagger.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains(paths, p => p.EndsWith("/customers/list", StringComparison.Ordinal));
        Assert.Contains(paths, p => p.EndsWith("/oauth/token", StringComparison.Ordinal));
        var schemas = swagger.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.TryGetProperty("CreateUserRequestSchema", out _));
        Assert.True(schemas.TryGetProperty("CustomerListResponseSchema", out _));
        // The reference's examples travel with the schemas of the same name.
        foreach (var name in new[] { "CreateUserRequestSchema", "UserSchema", "BlockUserRequestSchema", "CreateUserSessionResponseSchema", "PlatformSchema" })
        {
            Assert.True(schemas.GetProperty(name).TryGetProperty("example", out _), $"{name} has no example");
        }
    }

    [Fact]
    public async Task Unknown_routes_and_verbs_answer_an_error_body()
    {
        var http = await fixture.ClientAsync();
        var app = Http.App(ApiFixture.NewApplicationId());
        Http.AssertError(await http.GetJsonAsync($"{app}/no-such-route", HttpStatusCode.NotFound), "route_not_found");
        Http.AssertError(await (await http.PatchAsync($"{app}/customers/list", Http.Json(new { }))).ExpectAsync(HttpStatusCode.MethodNotAllowed),
            "method_not_allowed");
    }

    [Fact]
    public async Task Wrong_media_types_and_oversized_metadata_answer_an_error_body()
    {
        var http = await fixture.ClientAsync();
        var p = Http.App(ApiFixture.NewApplicationId());
        var text = await (await http.PostAsync($"{p}/customers", new StringContent("x", Encoding.UTF8, "text/plain")))
            .ExpectAsync(HttpStatusCode.UnsupportedMediaType);
        Http.AssertError(text, "unsupported_media_type");

        // (The 1 MiB body limit is Kestrel's: the end-to-end suite checks the 413. In memory, meta's own cap answers.)
        var huge = Build.User();
        huge["meta"] = new Dictionary<string, string> { ["blob"] = new string('x', 64 * 1024) };
        Http.AssertError(await http.PostJsonAsync($"{p}/customers", huge, HttpStatusCode.BadRequest), "validation_failed", "meta");
    }

    private static string Token(string key, DateTime expires) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "userauth",
        Audience = "userauth-platform",
        Subject = new ClaimsIdentity([
            new Claim(TokenClaims.ClientId, TestClients.Main.ClientId),
            new Claim(TokenClaims.CompanyId, TestClients.Main.CompanyId),
            new Claim(TokenClaims.Scope, "user:read user:write"),
        ]),
        IssuedAt = expires.AddHours(-1),
        NotBefore = expires.AddHours(-1),
        Expires = expires,
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
    });
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteAuthApiTests(SqliteApiFixture fixture) : AuthApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoAuthApiTests(MongoApiFixture fixture) : AuthApiTests(fixture);
