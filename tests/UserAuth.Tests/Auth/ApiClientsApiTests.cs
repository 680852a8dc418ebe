using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Features.Auth;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Auth;

/// <summary>Client management (scope client:admin) and what it does to the managed clients' tokens, against each store.</summary>
public abstract class ApiClientsApiTests(ApiFixture fixture)
{
    public const string ClientsPath = "/service/platform/user/v1.0/company/1001/clients";

    private static string ClientPath(string clientId) => $"{ClientsPath}/{clientId}";

    /// <summary>A platform route that needs user:read in a fresh application.</summary>
    private static string ReadRoute() => $"{Http.App(ApiFixture.NewApplicationId())}/customers/list";

    public static async Task<(string ClientId, string Secret)> CreateAsync(HttpClient admin, object body)
    {
        var created = await admin.PostJsonAsync(ClientsPath, body, HttpStatusCode.Created);
        return (created.GetProperty("client").GetProperty("client_id").GetString()!, created.GetProperty("client_secret").GetString()!);
    }

    public static async Task<HttpClient> BearerAsync(HttpClient http, string clientId, string secret)
    {
        var token = await ApiFixture.TokenAsync(http, new TestClient(clientId, secret, "1001"));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<HttpStatusCode> TokenStatusAsync(HttpClient http, string clientId, string secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/service/panel/authentication/v1.0/company/1001/oauth/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{clientId}:{secret}")));
        return (await http.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task An_admin_creates_a_client_whose_secret_is_shown_once_stored_hashed_and_gets_tokens()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var id = "made-" + Guid.NewGuid().ToString("N")[..12];
        var created = await admin.PostJsonAsync(ClientsPath, new { client_id = id, description = "dashboard", scopes = new[] { "user:read" } },
            HttpStatusCode.Created);
        var secret = created.GetProperty("client_secret").GetString()!;
        Assert.True(secret.Length >= 40);
        var client = created.GetProperty("client");
        Assert.Equal((id, "1001", "dashboard", false, 0L), (client.GetProperty("client_id").GetString(), client.GetProperty("company_id").GetString(),
            client.GetProperty("description").GetString(), client.GetProperty("disabled").GetBoolean(), client.GetProperty("generation").GetInt64()));
        Assert.Equal(["user:read"], client.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));

        var stored = await fixture.Services.GetRequiredService<IApiClientStore>().FindByClientIdAsync(id, CancellationToken.None);
        Assert.StartsWith("pbkdf2-sha256$", stored!.SecretHash, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, stored.SecretHash, StringComparison.Ordinal);

        var read = await admin.GetJsonAsync(ClientPath(id));
        Assert.False(read.TryGetProperty("client_secret", out _));
        Assert.DoesNotContain(secret, read.GetRawText(), StringComparison.Ordinal);

        var http = await BearerAsync(fixture.Anonymous(), id, secret);
        await http.GetJsonAsync(ReadRoute());
        await http.PostJsonAsync($"{Http.App(ApiFixture.NewApplicationId())}/customers", Build.User(), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Ordinary_clients_do_not_hold_client_admin_and_cannot_manage_clients()
    {
        var main = await fixture.ClientAsync();
        Http.AssertError(await main.GetJsonAsync(ClientsPath, HttpStatusCode.Forbidden), "forbidden");
        Http.AssertError(await main.PostJsonAsync(ClientsPath, new { }, HttpStatusCode.Forbidden), "forbidden");
        Http.AssertError(await fixture.Anonymous().GetJsonAsync(ClientsPath, HttpStatusCode.Unauthorized), "unauthorized");

        // A client created with no scopes gets the platform API's, not client:admin; nor can it ask for it.
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var (id, secret) = await CreateAsync(admin, new { });
        var http = fixture.Anonymous();
        var token = await ApiFixture.TokenAsync(http, new TestClient(id, secret, "1001"));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await http.GetJsonAsync(ClientsPath, HttpStatusCode.Forbidden);
        Assert.Equal(["user:read", "user:write"], (await admin.GetJsonAsync(ClientPath(id))).GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));

        // An admin of another company sees nothing of this one.
        Http.AssertError(await main.GetJsonAsync("/service/platform/user/v1.0/company/2002/clients", HttpStatusCode.Forbidden), "forbidden");
    }

    [Fact]
    public async Task The_listing_pages_the_company_s_clients_without_secrets()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        await CreateAsync(admin, new { });
        var page = await admin.GetJsonAsync($"{ClientsPath}?page_no=1&page_size=2");
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        Assert.True(page.GetProperty("page").GetProperty("item_total").GetInt64() >= 3);
        Assert.True(page.GetProperty("page").GetProperty("has_next").GetBoolean());
        var all = await admin.GetJsonAsync($"{ClientsPath}?page_size=100");
        var ids = all.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("client_id").GetString()).ToList();
        Assert.Contains(TestClients.Main.ClientId, ids);
        Assert.DoesNotContain(TestClients.OtherCompany.ClientId, ids);
        Assert.DoesNotContain("client_secret", all.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("pbkdf2", all.GetRawText(), StringComparison.Ordinal);
        Http.AssertError(await admin.GetJsonAsync($"{ClientsPath}?page_size=101", HttpStatusCode.BadRequest), "validation_failed", "page_size");
    }

    [Fact]
    public async Task A_disabled_client_gets_no_token_and_its_tokens_are_refused_enabling_does_not_revive_them()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var (id, secret) = await CreateAsync(admin, new { });
        var http = await BearerAsync(fixture.Anonymous(), id, secret);
        await http.GetJsonAsync(ReadRoute());

        var disabled = await admin.PostJsonAsync($"{ClientPath(id)}/disable", new { });
        Assert.True(disabled.GetProperty("disabled").GetBoolean());
        // This instance forgets the client at once; others within Auth:ClientCheckMilliseconds (ClientTwoInstanceTests).
        var refused = await http.GetJsonAsync(ReadRoute(), HttpStatusCode.Unauthorized);
        Http.AssertError(refused, "unauthorized");
        Assert.Contains("disabled", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(fixture.Anonymous(), id, secret));

        await admin.PostJsonAsync($"{ClientPath(id)}/enable", new { });
        await http.GetJsonAsync(ReadRoute(), HttpStatusCode.Unauthorized);
        var fresh = await BearerAsync(fixture.Anonymous(), id, secret);
        await fresh.GetJsonAsync(ReadRoute());
    }

    [Fact]
    public async Task A_rotated_secret_keeps_working_for_the_grace_period_with_its_tokens_then_neither_does()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var (id, oldSecret) = await CreateAsync(admin, new { });
        var oldToken = await BearerAsync(fixture.Anonymous(), id, oldSecret);

        var rotated = await admin.PostJsonAsync($"{ClientPath(id)}/secret", new { grace_seconds = 2 });
        var newSecret = rotated.GetProperty("client_secret").GetString()!;
        Assert.NotEqual(oldSecret, newSecret);
        Assert.True(rotated.GetProperty("client").TryGetProperty("previous_secret_valid_until", out _));

        // During the grace period: the old token, the old secret and the new one all work.
        await oldToken.GetJsonAsync(ReadRoute());
        var graceToken = await BearerAsync(fixture.Anonymous(), id, oldSecret);
        await graceToken.GetJsonAsync(ReadRoute());
        var newToken = await BearerAsync(fixture.Anonymous(), id, newSecret);
        await newToken.GetJsonAsync(ReadRoute());

        // After it (plus the client check interval): only the new secret and its tokens.
        await Task.Delay(TimeSpan.FromSeconds(2) + TimeSpan.FromMilliseconds(fixture.Services.GetRequiredService<
            Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value.ClientCheckMilliseconds + 300));
        await oldToken.GetJsonAsync(ReadRoute(), HttpStatusCode.Unauthorized);
        await graceToken.GetJsonAsync(ReadRoute(), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(fixture.Anonymous(), id, oldSecret));
        await newToken.GetJsonAsync(ReadRoute());
    }

    [Fact]
    public async Task A_rotation_without_grace_ends_the_old_secret_and_its_tokens_at_once()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var (id, oldSecret) = await CreateAsync(admin, new { });
        var oldToken = await BearerAsync(fixture.Anonymous(), id, oldSecret);
        var rotated = await admin.PostJsonAsync($"{ClientPath(id)}/secret", new { grace_seconds = 0 });

        await oldToken.GetJsonAsync(ReadRoute(), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(fixture.Anonymous(), id, oldSecret));
        await (await BearerAsync(fixture.Anonymous(), id, rotated.GetProperty("client_secret").GetString()!)).GetJsonAsync(ReadRoute());
    }

    [Fact]
    public async Task Narrowing_a_client_ends_its_tokens_and_new_ones_carry_the_new_reach()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var application = ApiFixture.NewApplicationId();
        var (id, secret) = await CreateAsync(admin, new { });
        var before = await BearerAsync(fixture.Anonymous(), id, secret);
        await before.PostJsonAsync($"{Http.App(application)}/customers", Build.User());

        var updated = await admin.PutJsonAsync(ClientPath(id), new { scopes = new[] { "user:read" }, application_ids = new[] { application } });
        Assert.Equal(1, updated.GetProperty("generation").GetInt64());
        await before.GetJsonAsync($"{Http.App(application)}/customers/list", HttpStatusCode.Unauthorized);

        var after = await BearerAsync(fixture.Anonymous(), id, secret);
        await after.GetJsonAsync($"{Http.App(application)}/customers/list");
        await after.PostJsonAsync($"{Http.App(application)}/customers", Build.User(), HttpStatusCode.Forbidden);
        await after.GetJsonAsync(ReadRoute(), HttpStatusCode.Forbidden);

        // A change of the limit or description alone leaves the tokens alone.
        var limited = await admin.PutJsonAsync(ClientPath(id), new { requests_per_second = 50, description = "narrow" });
        Assert.Equal((1L, 50), (limited.GetProperty("generation").GetInt64(), limited.GetProperty("requests_per_second").GetInt32()));
        await after.GetJsonAsync($"{Http.App(application)}/customers/list");
    }

    [Fact]
    public async Task No_caller_makes_a_client_reach_more_than_itself()
    {
        var narrow = await fixture.ClientAsync(TestClients.OneApplicationAdmin);
        var refused = await narrow.PostJsonAsync(ClientsPath, new { scopes = new[] { "user:write" }, application_ids = new[] { ApiFixture.NewApplicationId() } },
            HttpStatusCode.Forbidden);
        Http.AssertError(refused, "forbidden", "scopes");
        Assert.Contains("application_ids", refused.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
        // Every application (none named) is more than one application.
        Http.AssertError(await narrow.PostJsonAsync(ClientsPath, new { scopes = new[] { "user:read" } }, HttpStatusCode.Forbidden),
            "forbidden", "application_ids");
        var (id, _) = await CreateAsync(narrow, new { scopes = new[] { "user:read" }, application_ids = new[] { TestClients.OneApplicationId } });
        await narrow.PostJsonAsync($"{ClientPath(id)}/disable", new { });

        // A client reaching more than the caller cannot be managed by it (its secret would be a way up).
        foreach (var path in new[] { $"{ClientPath(TestClients.Main.ClientId)}/secret", $"{ClientPath(TestClients.Main.ClientId)}/disable" })
        {
            Http.AssertError(await narrow.PostJsonAsync(path, new { }, HttpStatusCode.Forbidden), "forbidden");
        }

        await (await fixture.ClientAsync()).GetJsonAsync(ReadRoute());
    }

    [Fact]
    public async Task Bad_requests_are_400_unknown_clients_404_and_taken_ids_409()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var bad = await admin.PostJsonAsync(ClientsPath, new
        {
            client_id = "x",
            scopes = new[] { "user:everything" },
            application_ids = new[] { "not-an-id" },
            requests_per_second = 0,
            description = "line\nbreak",
        }, HttpStatusCode.BadRequest);
        foreach (var field in new[] { "client_id", "scopes", "application_ids", "requests_per_second", "description" })
        {
            Http.AssertError(bad, "validation_failed", field);
        }

        Http.AssertError(await admin.PostJsonAsync($"{ClientPath(TestClients.Main.ClientId)}/secret", new { grace_seconds = -1 },
            HttpStatusCode.BadRequest), "validation_failed", "grace_seconds");
        Http.AssertError(await admin.GetJsonAsync(ClientPath("nobody-" + Guid.NewGuid().ToString("N")), HttpStatusCode.NotFound), "client_not_found");
        Http.AssertError(await admin.GetJsonAsync(ClientPath(TestClients.OtherCompany.ClientId), HttpStatusCode.NotFound), "client_not_found");
        Http.AssertError(await admin.GetJsonAsync(ClientPath("bad%20id"), HttpStatusCode.BadRequest), "validation_failed", "client_id");

        var (id, _) = await CreateAsync(admin, new { });
        Http.AssertError(await admin.PostJsonAsync(ClientsPath, new { client_id = id }, HttpStatusCode.Conflict), "client_id_taken", "client_id");
    }

    [Fact]
    public async Task A_new_client_gets_the_defaults_and_each_change_keeps_what_it_does_not_name()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var created = await admin.PostJsonAsync(ClientsPath, new { }, HttpStatusCode.Created);
        Http.AssertNoNulls(created);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", created.GetProperty("client_secret").GetString());
        var client = created.GetProperty("client");
        var id = client.GetProperty("client_id").GetString()!;
        Assert.Matches("^client-[0-9a-f]{24}$", id);
        Assert.Equal(("", 0L, false), (client.GetProperty("description").GetString(), client.GetProperty("generation").GetInt64(),
            client.TryGetProperty("requests_per_second", out _)));
        Assert.Empty(client.GetProperty("application_ids").EnumerateArray());

        // Application ids are kept lower-case and once; scopes once.
        var application = ApiFixture.NewApplicationId();
        var (named, _) = await CreateAsync(admin, new
        {
            description = "kept", requests_per_second = 7, scopes = new[] { "user:read", "user:read" },
            application_ids = new[] { application.ToUpperInvariant(), application },
        });
        var read = await admin.GetJsonAsync(ClientPath(named));
        Assert.Equal([application], Strings(read, "application_ids"));
        Assert.Equal(["user:read"], Strings(read, "scopes"));

        // A change of the scopes alone keeps the applications, the description and the limit, and ends the tokens.
        var changed = await admin.PutJsonAsync(ClientPath(named), new { scopes = new[] { "user:read", "user:write" } });
        Assert.Equal([application], Strings(changed, "application_ids"));
        Assert.Equal(["user:read", "user:write"], Strings(changed, "scopes"));
        Assert.Equal(("kept", 7, 1L), (changed.GetProperty("description").GetString(), changed.GetProperty("requests_per_second").GetInt32(),
            changed.GetProperty("generation").GetInt64()));

        // The same reach again is no change of reach; a limit of 0 returns the client to the default limit.
        var same = await admin.PutJsonAsync(ClientPath(named), new
        {
            scopes = new[] { "user:read", "user:write" }, application_ids = new[] { application }, requests_per_second = 0,
        });
        Assert.Equal(1L, same.GetProperty("generation").GetInt64());
        Assert.False(same.TryGetProperty("requests_per_second", out _));
        Assert.Equal("kept", same.GetProperty("description").GetString());
    }

    [Fact]
    public async Task A_rotation_keeps_the_old_secret_for_the_configured_grace_by_default_and_none_with_zero()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var (id, oldSecret) = await CreateAsync(admin, new { });
        var grace = fixture.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value.RotationGraceSeconds;
        Assert.True(grace > 60);

        var before = DateTime.UtcNow;
        var rotated = await admin.PostJsonAsync($"{ClientPath(id)}/secret", new { });
        var validUntil = rotated.GetProperty("client").GetProperty("previous_secret_valid_until").GetDateTime().ToUniversalTime();
        Assert.InRange(validUntil, before.AddSeconds(grace - 1), DateTime.UtcNow.AddSeconds(grace + 1));
        Assert.Equal(1L, rotated.GetProperty("client").GetProperty("generation").GetInt64());
        var newSecret = rotated.GetProperty("client_secret").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(fixture.Anonymous(), id, oldSecret));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(fixture.Anonymous(), id, newSecret));

        // Rotating again without grace: the secret just replaced ends at once, and with it the grace of the one before.
        var again = await admin.PostJsonAsync($"{ClientPath(id)}/secret", new { grace_seconds = 0 });
        Http.AssertNoNulls(again);
        Assert.False(again.GetProperty("client").TryGetProperty("previous_secret_valid_until", out _));
        Assert.Equal(2L, again.GetProperty("client").GetProperty("generation").GetInt64());
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(fixture.Anonymous(), id, newSecret));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(fixture.Anonymous(), id, again.GetProperty("client_secret").GetString()!));
    }

    [Fact]
    public async Task Disabling_or_enabling_twice_changes_nothing_the_second_time()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var (id, secret) = await CreateAsync(admin, new { });
        Assert.Equal(1L, (await admin.PostJsonAsync($"{ClientPath(id)}/disable", new { })).GetProperty("generation").GetInt64());
        var twice = await admin.PostJsonAsync($"{ClientPath(id)}/disable", new { });
        Assert.Equal((true, 1L), (twice.GetProperty("disabled").GetBoolean(), twice.GetProperty("generation").GetInt64()));

        Assert.Equal(2L, (await admin.PostJsonAsync($"{ClientPath(id)}/enable", new { })).GetProperty("generation").GetInt64());
        var http = await BearerAsync(fixture.Anonymous(), id, secret);
        var enabled = await admin.PostJsonAsync($"{ClientPath(id)}/enable", new { });
        Assert.Equal((false, 2L), (enabled.GetProperty("disabled").GetBoolean(), enabled.GetProperty("generation").GetInt64()));
        await http.GetJsonAsync(ReadRoute());
    }

    [Fact]
    public async Task A_caller_cannot_manage_a_client_within_its_applications_that_holds_a_scope_it_does_not()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var narrow = await fixture.ClientAsync(TestClients.OneApplicationAdmin);
        var (writer, _) = await CreateAsync(admin, new { scopes = new[] { "user:read", "user:write" }, application_ids = new[] { TestClients.OneApplicationId } });
        var refused = await narrow.GetJsonAsync(ClientPath(writer), HttpStatusCode.Forbidden);
        Http.AssertError(refused, "forbidden");
        Assert.Contains("(user:write)", refused.GetProperty("message").GetString(), StringComparison.Ordinal);

        var (reader, _) = await CreateAsync(admin, new { scopes = new[] { "user:read" }, application_ids = new[] { TestClients.OneApplicationId } });
        Assert.Equal(reader, (await narrow.GetJsonAsync(ClientPath(reader))).GetProperty("client_id").GetString());
        Http.AssertError(await narrow.PutJsonAsync(ClientPath(reader), new { scopes = new[] { "user:write" } }, HttpStatusCode.Forbidden),
            "forbidden", "scopes");
        Assert.Equal(["user:read"], Strings(await admin.GetJsonAsync(ClientPath(reader)), "scopes"));
    }

    [Fact]
    public async Task A_change_that_keeps_losing_to_other_instances_is_retried_five_times_then_answered_409_client_changed()
    {
        fixture.RequireStore();
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var (id, _) = await CreateAsync(admin, new { description = "start" });

        // Another instance changes the client between this instance's read and write, `wins` times in a row.
        var wins = 4;
        var replaces = 0;
        await using var instance = RacingStore.InstanceOver<IApiClientStore>(fixture, store => RacingStore.Over(store,
            (nameof(IApiClientStore.ReplaceAsync), async () =>
            {
                replaces++;
                if (wins-- > 0)
                {
                    await admin.PutJsonAsync(ClientPath(id), new { description = $"other{wins}" });
                }
            })));
        var raced = await BearerAsync(instance.CreateClient(), TestClients.Admin.ClientId, TestClients.Admin.Secret);

        var written = await raced.PutJsonAsync(ClientPath(id), new { requests_per_second = 9 });
        Assert.Equal(5, replaces);
        Assert.Equal(("other0", 9), (written.GetProperty("description").GetString(), written.GetProperty("requests_per_second").GetInt32()));

        wins = 5;
        replaces = 0;
        Http.AssertError(await raced.PutJsonAsync(ClientPath(id), new { requests_per_second = 11 }, HttpStatusCode.Conflict), "client_changed");
        Assert.Equal(5, replaces);
        Assert.Equal(9, (await admin.GetJsonAsync(ClientPath(id))).GetProperty("requests_per_second").GetInt32());
    }

    private static List<string?> Strings(JsonElement client, string name) =>
        client.GetProperty(name).EnumerateArray().Select(s => s.GetString()).ToList();

    [Fact]
    public async Task A_client_over_its_rate_limit_is_answered_429_with_retry_after_and_the_error_body()
    {
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var (id, secret) = await CreateAsync(admin, new { requests_per_second = 3 });
        var http = await BearerAsync(fixture.Anonymous(), id, secret);
        var route = ReadRoute();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 10; i++)
        {
            var response = await http.GetAsync(route);
            statuses.Add(response.StatusCode);
            refused ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        // A bucket of 3 refilled every second: 10 requests in well under a second cannot all pass.
        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) is >= 3 and <= 6, string.Join(",", statuses));
        Assert.NotNull(refused);
        var seconds = int.Parse(refused.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 1, 2);
        var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Http.AssertError(body, "too_many_requests");
        Assert.Contains("3 requests per second", body.GetProperty("message").GetString(), StringComparison.Ordinal);

        // Other clients are not affected; after Retry-After the client is served again.
        await (await fixture.ClientAsync()).GetJsonAsync(route);
        await Task.Delay(TimeSpan.FromSeconds(seconds) + TimeSpan.FromMilliseconds(100));
        await http.GetJsonAsync(route);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteApiClientsApiTests(SqliteApiFixture fixture) : ApiClientsApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoApiClientsApiTests(MongoApiFixture fixture) : ApiClientsApiTests(fixture);
