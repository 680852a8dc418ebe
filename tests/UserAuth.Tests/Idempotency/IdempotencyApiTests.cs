using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Idempotency;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Idempotency;

/// <summary>Idempotency-Key on the write routes, through HTTP, against each store (and two instances over one store).</summary>
public abstract class IdempotencyApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private static HttpRequestMessage Request(HttpMethod method, string path, string json, string? key)
    {
        var request = new HttpRequestMessage(method, path) { Content = Http.RawJson(json) };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(IdempotencyFilter.HeaderName, key);
        }

        return request;
    }

    private static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(HttpClient http,
        HttpMethod method, string path, string json, string? key)
    {
        using var request = Request(method, path, json, key);
        var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private static string NewKey() => "key-" + Guid.NewGuid().ToString("N");

    private static string UserJson(string? username = null) => JsonSerializer.Serialize(Build.User(username));

    private async Task<int> CountUsersAsync(HttpClient http) =>
        (await http.GetJsonAsync($"{P}/customers/list?page_size=50")).GetProperty("page").GetProperty("item_total").GetInt32();

    private static ApiFactory SecondHost(ApiFixture fixture, params (string Key, string? Value)[] extra)
    {
        fixture.RequireStore();
        var settings = ApiFactory.BaseSettings();
        foreach (var (key, value) in fixture.StoreSettings)
        {
            settings[key] = value;
        }

        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var factory = new ApiFactory(settings);
        _ = factory.Server;
        return factory;
    }

    private static async Task<HttpClient> ClientOfAsync(ApiFactory factory, TestClient? client = null)
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Bearer", await ApiFixture.TokenAsync(http, client ?? TestClients.Main));
        return http;
    }

    [Fact]
    public async Task A_retry_of_createUser_with_the_same_key_answers_the_first_answer_and_creates_nothing()
    {
        var http = await fixture.ClientAsync();
        var key = NewKey();
        var json = UserJson();

        var first = await SendAsync(http, HttpMethod.Post, $"{P}/customers", json, key);
        var retry = await SendAsync(http, HttpMethod.Post, $"{P}/customers", json, key);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(first.Status, retry.Status);
        Assert.Equal(first.Body, retry.Body);
        Assert.Equal(first.Response.Content.Headers.ContentType, retry.Response.Content.Headers.ContentType);
        Assert.False(first.Response.Headers.Contains(IdempotencyFilter.ReplayedHeader));
        Assert.Equal(["true"], retry.Response.Headers.GetValues(IdempotencyFilter.ReplayedHeader));
        Assert.Equal(1, await CountUsersAsync(http));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_a_422_error_and_changes_nothing()
    {
        var http = await fixture.ClientAsync();
        var key = NewKey();
        await SendAsync(http, HttpMethod.Post, $"{P}/customers", UserJson(), key);

        var other = await SendAsync(http, HttpMethod.Post, $"{P}/customers", UserJson(), key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.Status);
        Http.AssertError(JsonDocument.Parse(other.Body).RootElement, "idempotency_key_reused", IdempotencyFilter.HeaderName);
        Assert.Equal(1, await CountUsersAsync(http));
    }

    [Fact]
    public async Task A_retry_of_updateUser_replays_the_first_answer_and_does_not_bump_the_version()
    {
        var http = await fixture.ClientAsync();
        var user = (await http.PostJsonAsync($"{P}/customers", Build.User())).GetProperty("user");
        var path = $"{P}/customers/{user.GetProperty("_id").GetString()}";
        var key = NewKey();
        var json = """{"first_name": "Retried"}""";

        var first = await SendAsync(http, HttpMethod.Put, path, json, key);
        var retry = await SendAsync(http, HttpMethod.Put, path, json, key);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(first.Body, retry.Body);
        var version = JsonDocument.Parse(first.Body).RootElement.GetProperty("user").GetProperty("__v").GetInt32();
        var again = await SendAsync(http, HttpMethod.Put, path, """{"first_name": "Third"}""", NewKey());
        Assert.Equal(version + 1, JsonDocument.Parse(again.Body).RootElement.GetProperty("user").GetProperty("__v").GetInt32());
    }

    [Fact]
    public async Task Keys_are_scoped_per_application_and_per_client()
    {
        var http = await fixture.ClientAsync();
        var oneApp = await fixture.ClientAsync(TestClients.OneApplication);
        var key = NewKey();
        var json = UserJson();
        var otherApp = Http.App(ApiFixture.NewApplicationId());

        var here = await SendAsync(http, HttpMethod.Post, $"{P}/customers", json, key);
        var there = await SendAsync(http, HttpMethod.Post, $"{otherApp}/customers", json, key);
        var mainInShared = await SendAsync(http, HttpMethod.Post, $"{Http.App(TestClients.OneApplicationId)}/customers", UserJson(), key);
        var otherClient = await SendAsync(oneApp, HttpMethod.Post, $"{Http.App(TestClients.OneApplicationId)}/customers", UserJson(), key);

        Assert.Equal(HttpStatusCode.OK, here.Status);
        Assert.Equal(HttpStatusCode.OK, there.Status);
        Assert.NotEqual(here.Body, there.Body);
        Assert.Equal(HttpStatusCode.OK, mainInShared.Status);
        Assert.Equal(HttpStatusCode.OK, otherClient.Status);
        Assert.False(otherClient.Response.Headers.Contains(IdempotencyFilter.ReplayedHeader));
    }

    [Fact]
    public async Task A_failed_request_gives_its_key_up_so_the_corrected_request_runs()
    {
        var http = await fixture.ClientAsync();
        var key = NewKey();

        var bad = await SendAsync(http, HttpMethod.Post, $"{P}/customers", """{"email": "not-an-email"}""", key);
        var good = await SendAsync(http, HttpMethod.Post, $"{P}/customers", UserJson(), key);

        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Equal(HttpStatusCode.OK, good.Status);
        Assert.Equal(1, await CountUsersAsync(http));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("ключ")]
    public async Task A_malformed_key_is_a_400_error_and_nothing_is_written(string key)
    {
        var http = await fixture.ClientAsync();
        using var request = Request(HttpMethod.Post, $"{P}/customers", UserJson(), null);
        request.Headers.TryAddWithoutValidation(IdempotencyFilter.HeaderName, key);
        var response = await http.SendAsync(request);

        var body = await response.ExpectAsync(HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", IdempotencyFilter.HeaderName);
        Assert.Equal(0, await CountUsersAsync(http));
    }

    [Fact]
    public async Task A_key_longer_than_255_characters_is_a_400_error()
    {
        var http = await fixture.ClientAsync();
        var response = await SendAsync(http, HttpMethod.Post, $"{P}/customers", UserJson(), new string('k', 256));

        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal(0, await CountUsersAsync(http));
    }

    [Fact]
    public async Task Concurrent_retries_with_one_key_create_one_user_and_all_get_its_answer()
    {
        var http = await fixture.ClientAsync();
        var key = NewKey();
        var json = UserJson();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(_ => SendAsync(http, HttpMethod.Post, $"{P}/customers", json, key)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal(7, answers.Count(a => a.Response.Headers.Contains(IdempotencyFilter.ReplayedHeader)));
        Assert.Equal(1, await CountUsersAsync(http));
    }

    [Fact]
    public async Task Two_instances_over_one_store_share_keys_sequentially_and_under_concurrent_retries()
    {
        await using var second = SecondHost(fixture);
        var one = await fixture.ClientAsync();
        var two = await ClientOfAsync(second);

        var key = NewKey();
        var json = UserJson();
        var first = await SendAsync(one, HttpMethod.Post, $"{P}/customers", json, key);
        var retry = await SendAsync(two, HttpMethod.Post, $"{P}/customers", json, key);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(first.Body, retry.Body);
        Assert.True(retry.Response.Headers.Contains(IdempotencyFilter.ReplayedHeader));

        var concurrentKey = NewKey();
        var concurrentJson = UserJson();
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            SendAsync(i % 2 == 0 ? one : two, HttpMethod.Post, $"{P}/customers", concurrentJson, concurrentKey)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal(2, await CountUsersAsync(one));
    }

    [Fact]
    public async Task A_retry_while_the_first_request_runs_gets_409_in_progress_when_it_may_not_wait()
    {
        await using var impatient = SecondHost(fixture, ("Idempotency:WaitForFirstSeconds", "0"));
        var http = await ClientOfAsync(impatient);
        var key = NewKey();
        var json = UserJson();
        var path = $"{P}/customers";
        // The first request, still running on another instance: its claim is in the store, with no answer yet.
        var store = impatient.Services.GetRequiredService<IIdempotencyStore>();
        var now = DateTime.UtcNow;
        var scope = new IdempotencyScope(new Tenant("1001", app), TestClients.Main.ClientId, key);
        Assert.Null(await store.ClaimAsync(scope, Fingerprint("POST", path, json), "other-instance", now, now.AddMinutes(1),
            now.AddHours(1), CancellationToken.None));

        var busy = await SendAsync(http, HttpMethod.Post, path, json, key);

        Assert.Equal(HttpStatusCode.Conflict, busy.Status);
        Http.AssertError(JsonDocument.Parse(busy.Body).RootElement, "idempotency_key_in_progress");
        Assert.True(busy.Response.Headers.RetryAfter is not null);
        Assert.Equal(0, await CountUsersAsync(http));

        // The first request fails and gives the key up: the retry runs.
        await store.ReleaseAsync(scope, "other-instance", CancellationToken.None);
        var retry = await SendAsync(http, HttpMethod.Post, path, json, key);
        Assert.Equal(HttpStatusCode.OK, retry.Status);
    }

    [Fact]
    public async Task A_retried_createUserSession_answers_the_same_cookie_which_is_stored_encrypted()
    {
        var http = await fixture.ClientAsync();
        var user = (await http.PostJsonAsync($"{P}/customers", Build.User())).GetProperty("user").GetProperty("_id").GetString();
        var key = NewKey();
        var json = JsonSerializer.Serialize(new { user_id = user, domain = "shop.example.com" });

        var first = await SendAsync(http, HttpMethod.Post, $"{P}/customers/session", json, key);
        var retry = await SendAsync(http, HttpMethod.Post, $"{P}/customers/session", json, key);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(first.Body, retry.Body);
        var sessions = await http.GetJsonAsync($"{P}/customers/sessions?id={user}");
        Assert.Single(sessions.GetProperty("items").EnumerateArray());
        var cookie = JsonDocument.Parse(first.Body).RootElement.GetProperty("cookie").GetProperty("f.session").GetString()!;
        var stored = await fixture.Services.GetRequiredService<IIdempotencyStore>().FindAsync(
            new IdempotencyScope(new Tenant("1001", app), TestClients.Main.ClientId, key), DateTime.UtcNow, CancellationToken.None);
        Assert.NotNull(stored?.Answer);
        Assert.DoesNotContain(cookie, stored.Answer.ProtectedContent, StringComparison.Ordinal);
        Assert.DoesNotContain(cookie[..12], stored.Answer.ProtectedContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_write_route_takes_the_key_attribute_config_lifecycle_and_export_writes_replay()
    {
        var http = await fixture.ClientAsync();
        var user = (await http.PostJsonAsync($"{P}/customers", Build.User())).GetProperty("user").GetProperty("_id").GetString();
        var writes = new (HttpMethod Method, string Path, string Json)[]
        {
            (HttpMethod.Post, $"{P}/user_attribute/definition",
                """{"name": "Tier", "slug": "tier_idem", "type": "string"}"""),
            (HttpMethod.Post, $"{P}/platform/config", """{"delete_account_day": 9}"""),
            (HttpMethod.Put, $"{P}/customers/activation", JsonSerializer.Serialize(new { user_id = new[] { user }, status = false, reason = "test" })),
            (HttpMethod.Post, $"{P}/users/jobs/export", """{"file_format": "csv"}"""),
        };
        foreach (var (method, path, json) in writes)
        {
            var key = NewKey();
            var first = await SendAsync(http, method, path, json, key);
            var retry = await SendAsync(http, method, path, json, key);
            Assert.True(first.Status == HttpStatusCode.OK, $"{method} {path}: {(int)first.Status} {first.Body}");
            Assert.Equal(first.Body, retry.Body);
            Assert.True(retry.Response.Headers.Contains(IdempotencyFilter.ReplayedHeader), $"{method} {path} was not replayed");
        }

        // The config was written once: a second write would have raised __v to 2.
        Assert.Equal(1, (await http.GetJsonAsync($"{P}/platform/config")).GetProperty("__v").GetInt32());
        // One export job, not two.
        Assert.Single((await http.GetJsonAsync($"{P}/users/jobs/export")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Swagger_documents_the_header_on_writes_only()
    {
        var http = fixture.Anonymous();
        var document = await http.GetJsonAsync("/swagger/v1/swagger.json");
        var paths = document.GetProperty("paths");
        var route = "/service/platform/user/v1.0/company/{company_id}/application/{application_id}";

        bool Takes(string path, string verb) => paths.GetProperty(route + path).GetProperty(verb).GetProperty("parameters")
            .EnumerateArray().Any(p => p.GetProperty("name").GetString() == IdempotencyFilter.HeaderName);

        Assert.True(Takes("/customers", "post"));
        Assert.True(Takes("/customers/{user_id}", "put"));
        Assert.True(Takes("/user_group", "post"));
        Assert.True(Takes("/users/jobs/import", "post"));
        Assert.False(Takes("/customers/list", "get"));
        Assert.False(Takes("/user_attribute/users", "post"));
    }

    /// <summary>The filter's fingerprint: SHA-256 of method, path, query and the body bytes.</summary>
    private static string Fingerprint(string method, string path, string body) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{method}\n{path}\n\n{body}")));
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteIdempotencyApiTests(SqliteApiFixture fixture) : IdempotencyApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoIdempotencyApiTests(MongoApiFixture fixture) : IdempotencyApiTests(fixture);
