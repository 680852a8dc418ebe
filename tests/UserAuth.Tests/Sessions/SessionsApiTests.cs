using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Sessions;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Sessions.SessionApi;

namespace UserAuth.Tests.Sessions;

/// <summary>The session routes over real HTTP, against each store.</summary>
public abstract class SessionsApiTests(ApiFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_answers_an_express_session_cookie_signed_with_the_configured_secret()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;

        var created = await http.CreateSessionAsync(app, user);

        Http.AssertNoNulls(created);
        Assert.Equal(Domain, created.GetProperty("domain").GetString());
        Assert.True(created.GetProperty("max_age").GetInt64() > 0);
        Assert.True(created.GetProperty("secure").GetBoolean());
        Assert.True(created.GetProperty("http_only").GetBoolean());
        Assert.Equal(["f.session"], created.GetProperty("cookie").EnumerateObject().Select(p => p.Name));
        AssertSignedCookie(Cookie(created), Secret(fixture.Services));
        Assert.True(Ids.IsValid(created.GetProperty("session_id").GetString()));
        var expiresAt = Instant(created.GetProperty("expires_at"));
        var expected = DateTime.UtcNow.AddSeconds(created.GetProperty("max_age").GetInt64());
        Assert.InRange(expiresAt, expected.AddMinutes(-1), expected.AddMinutes(1));
    }

    [Fact]
    public async Task Create_takes_max_age_in_seconds_and_every_cookie_is_different()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;

        var first = await http.CreateSessionAsync(app, user, new { max_age = 4555555 });
        var second = await http.CreateSessionAsync(app, user, new { max_age = 4555555 });

        Assert.Equal(4555555, first.GetProperty("max_age").GetInt64());
        var expected = DateTime.UtcNow.AddSeconds(4555555);
        Assert.InRange(Instant(first.GetProperty("expires_at")), expected.AddMinutes(-1), expected.AddMinutes(1));
        Assert.NotEqual(Cookie(first), Cookie(second));
        Assert.NotEqual(first.GetProperty("session_id").GetString(), second.GetProperty("session_id").GetString());
    }

    [Fact]
    public async Task List_shows_live_sessions_with_public_ids_and_never_the_cookie()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var other = (await http.NewCustomerAsync(app)).Id;
        var first = await http.CreateSessionAsync(app, user, new { ip = "203.0.113.7", user_agent = "Mozilla/5.0 (tests)" });
        var second = await http.CreateSessionAsync(app, user, new { domain = "b.example.com" });
        await http.CreateSessionAsync(app, other);

        var response = await http.GetAsync($"{Http.App(app)}/customers/sessions?id={user}", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var items = await http.ListAsync(app, user);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Http.AssertNoNulls(JsonDocument.Parse(text).RootElement);
        Assert.Equal(2, items.Count);
        // Newest first.
        Assert.Equal(second.GetProperty("session_id").GetString(), items[0].GetProperty("session_id").GetString());
        var listed = items[1];
        Assert.Equal(first.GetProperty("session_id").GetString(), listed.GetProperty("session_id").GetString());
        Assert.Equal("203.0.113.7", listed.GetProperty("ip").GetString());
        Assert.Equal("Mozilla/5.0 (tests)", listed.GetProperty("user_agent").GetString());
        Assert.Equal(Domain, listed.GetProperty("domain").GetString());
        Assert.Equal(JsonValueKind.String, listed.GetProperty("expire_in").ValueKind);
        Assert.Equal(Instant(first.GetProperty("expires_at")), Instant(listed.GetProperty("expire_in")));
        Assert.Equal("b.example.com", items[0].GetProperty("domain").GetString());
        foreach (var created in new[] { first, second })
        {
            var sid = AssertSignedCookie(Cookie(created), Secret(fixture.Services));
            Assert.DoesNotContain(sid, text, StringComparison.Ordinal);
            Assert.DoesNotContain(SessionCookies.Hash(sid), text, StringComparison.Ordinal);
            Assert.DoesNotContain(Cookie(created), text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Create_takes_ip_and_user_agent_from_the_request_when_the_body_has_none()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Http.App(app)}/customers/session")
        {
            Content = Http.Json(new { user_id = user, domain = Domain }),
        };
        request.Headers.Add("X-Forwarded-For", "198.51.100.23, 10.0.0.1");
        request.Headers.TryAddWithoutValidation("User-Agent", "StorefrontBackend/1.0");

        await (await http.SendAsync(request, Ct)).ExpectAsync(HttpStatusCode.OK);
        var listed = Assert.Single(await http.ListAsync(app, user));

        Assert.Equal("198.51.100.23", listed.GetProperty("ip").GetString());
        Assert.Equal("StorefrontBackend/1.0", listed.GetProperty("user_agent").GetString());
    }

    [Fact]
    public async Task Verify_accepts_the_cookie_encoded_or_not_and_answers_the_session()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var created = await http.CreateSessionAsync(app, user);
        var cookie = Cookie(created);

        var verified = await http.VerifyAsync(app, cookie);
        var decoded = await http.VerifyAsync(app, Uri.UnescapeDataString(cookie));

        Assert.Equal(created.GetProperty("session_id").GetString(), verified.GetProperty("session_id").GetString());
        Assert.Equal(user, verified.GetProperty("user_id").GetString());
        Assert.Equal(Domain, verified.GetProperty("domain").GetString());
        Assert.Equal(created.GetProperty("expires_at").GetString(), verified.GetProperty("expires_at").GetString());
        Assert.Equal(verified.GetProperty("session_id").GetString(), decoded.GetProperty("session_id").GetString());
    }

    [Theory]
    [InlineData("tampered-signature")]
    [InlineData("other-secret")]
    [InlineData("unsigned")]
    [InlineData("garbage")]
    public async Task Verify_answers_the_same_404_for_any_bad_cookie(string kind)
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var sid = AssertSignedCookie(Cookie(await http.CreateSessionAsync(app, user)), Secret(fixture.Services));
        var signature = SessionCookies.Sign(sid, Secret(fixture.Services));
        var cookie = kind switch
        {
            "tampered-signature" => $"s:{sid}.{(signature[0] == 'A' ? 'B' : 'A')}{signature[1..]}",
            "other-secret" => $"s:{sid}.{SessionCookies.Sign(sid, "another-secret-another-secret-another-secret")}",
            "unsigned" => $"s:{sid}",
            _ => "s%3Anot-a-session.%%%",
        };

        var body = await http.VerifyAsync(app, cookie, HttpStatusCode.NotFound);

        Http.AssertError(body, "session_not_found");
    }

    [Fact]
    public async Task Verify_needs_a_cookie()
    {
        var http = await fixture.ClientAsync();

        var body = await http.VerifyAsync(ApiFixture.NewApplicationId(), "", HttpStatusCode.BadRequest);

        Http.AssertError(body, "validation_failed", "cookie");
    }

    [Fact]
    public async Task DeleteSession_revokes_one_session_and_its_cookie_stops_verifying()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var victim = await http.CreateSessionAsync(app, user);
        var kept = await http.CreateSessionAsync(app, user);
        var victimId = victim.GetProperty("session_id").GetString()!;
        await http.VerifyAsync(app, Cookie(victim));

        var deleted = await http.DeleteSessionAsync(app, user, victimId);

        Assert.Equal(user, deleted.GetProperty("user_id").GetString());
        Assert.Equal(victimId, deleted.GetProperty("session_id").GetString());
        Http.AssertError(await http.VerifyAsync(app, Cookie(victim), HttpStatusCode.NotFound), "session_not_found");
        await http.VerifyAsync(app, Cookie(kept));
        Assert.Equal([kept.GetProperty("session_id").GetString()],
            (await http.ListAsync(app, user)).Select(s => s.GetProperty("session_id").GetString()));
        // Already revoked: gone for deleteSession too.
        Http.AssertError(await http.DeleteSessionAsync(app, user, victimId, status: HttpStatusCode.NotFound), "session_not_found");
    }

    [Fact]
    public async Task DeleteSession_of_an_unknown_malformed_or_other_users_session_is_404()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var other = (await http.NewCustomerAsync(app)).Id;
        var othersSession = (await http.CreateSessionAsync(app, other)).GetProperty("session_id").GetString()!;

        await http.DeleteSessionAsync(app, user, Ids.New(), status: HttpStatusCode.NotFound);
        await http.DeleteSessionAsync(app, user, "sess:123", status: HttpStatusCode.NotFound);
        await http.DeleteSessionAsync(app, user, othersSession, status: HttpStatusCode.NotFound);

        Assert.Single(await http.ListAsync(app, other));
    }

    [Fact]
    public async Task DeleteActiveSessions_revokes_all_and_answers_their_ids()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var other = (await http.NewCustomerAsync(app)).Id;
        var created = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            created.Add(await http.CreateSessionAsync(app, user));
        }

        var othersCookie = Cookie(await http.CreateSessionAsync(app, other));
        var revokedEarlier = created[0].GetProperty("session_id").GetString()!;
        await http.DeleteSessionAsync(app, user, revokedEarlier);

        var deleted = await http.DeleteAllAsync(app, user);

        Assert.Equal(user, deleted.GetProperty("user_id").GetString());
        Assert.Equal(
            created.Skip(1).Select(c => c.GetProperty("session_id").GetString()).Order(),
            deleted.GetProperty("session_ids").EnumerateArray().Select(s => s.GetString()).Order());
        Assert.Empty(await http.ListAsync(app, user));
        foreach (var session in created)
        {
            await http.VerifyAsync(app, Cookie(session), HttpStatusCode.NotFound);
        }

        await http.VerifyAsync(app, othersCookie);
        var again = await http.DeleteAllAsync(app, user);
        Assert.Empty(again.GetProperty("session_ids").EnumerateArray());
    }

    [Theory]
    [InlineData("customers/session?id={user}&session_id={session}", "reason")]
    [InlineData("customers/session?id={user}&session_id={session}&reason=%20%20", "reason")]
    [InlineData("customers/session?id={user}&reason=x", "session_id")]
    [InlineData("customers/session?session_id={session}&reason=x", "id")]
    [InlineData("customers/sessions?id={user}", "reason")]
    [InlineData("customers/sessions?reason=x", "id")]
    [InlineData("customers/sessions?id=nope&reason=x", "id")]
    public async Task Delete_routes_validate_their_query(string route, string field)
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var session = (await http.CreateSessionAsync(app, user)).GetProperty("session_id").GetString()!;

        var body = await http.DeleteAsync($"{Http.App(app)}/{route.Replace("{user}", user).Replace("{session}", session)}",
            HttpStatusCode.BadRequest);

        Http.AssertError(body, "validation_failed", field);
        Assert.Single(await http.ListAsync(app, user));
    }

    [Fact]
    public async Task A_reason_longer_than_500_characters_is_refused()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;

        var body = await http.DeleteAllAsync(app, user, new string('r', 501), HttpStatusCode.BadRequest);

        Http.AssertError(body, "validation_failed", "reason");
        await http.DeleteAllAsync(app, user, new string('r', 500));
    }

    [Fact]
    public async Task List_validates_the_user_id()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();

        Http.AssertError(await http.GetJsonAsync($"{Http.App(app)}/customers/sessions", HttpStatusCode.BadRequest),
            "validation_failed", "id");
        Http.AssertError(await http.GetJsonAsync($"{Http.App(app)}/customers/sessions?id=12345", HttpStatusCode.BadRequest),
            "validation_failed", "id");
    }

    [Fact]
    public async Task Create_validates_its_body()
    {
        var http = await fixture.ClientAsync();
        var path = $"{Http.App(ApiFixture.NewApplicationId())}/customers/session";

        var missing = await http.PostJsonAsync(path, new { }, HttpStatusCode.BadRequest);
        var wrong = await http.PostJsonAsync(path,
            new { user_id = "123", domain = "https://shop.example.com/", max_age = 0, ip = "not-an-ip" }, HttpStatusCode.BadRequest);
        var tooLong = await http.PostJsonAsync(path,
            new { user_id = Ids.New(), domain = Domain, max_age = SessionRules.MaxAgeLimit + 1 }, HttpStatusCode.BadRequest);

        Http.AssertError(missing, "validation_failed", "user_id");
        Http.AssertError(missing, "validation_failed", "domain");
        foreach (var field in new[] { "user_id", "domain", "max_age", "ip" })
        {
            Http.AssertError(wrong, "validation_failed", field);
        }

        Http.AssertError(tooLong, "validation_failed", "max_age");
    }

    [Fact]
    public async Task An_unknown_user_is_404_everywhere()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var nobody = Ids.New();

        Http.AssertError(await http.CreateSessionAsync(app, nobody, status: HttpStatusCode.NotFound), "user_not_found");
        await http.ListAsync(app, nobody, HttpStatusCode.NotFound);
        await http.DeleteSessionAsync(app, nobody, Ids.New(), status: HttpStatusCode.NotFound);
        await http.DeleteAllAsync(app, nobody, status: HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_blocked_user_gets_no_new_session_and_their_cookies_never_verify_again()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var cookie = Cookie(await http.CreateSessionAsync(app, user));

        await ChangeUserAsync(app, user, u => u.Active = false);

        Http.AssertError(await http.CreateSessionAsync(app, user, status: HttpStatusCode.Conflict), "user_blocked");
        Http.AssertError(await http.VerifyAsync(app, cookie, HttpStatusCode.NotFound), "session_not_found");
        // Even when the block wrote the user but its revocation never ran: the session belongs to an ended generation.
        await ChangeUserAsync(app, user, u => u.Active = true);
        Http.AssertError(await http.VerifyAsync(app, cookie, HttpStatusCode.NotFound), "session_not_found");
        Assert.Empty(await http.ListAsync(app, user));
        await http.VerifyAsync(app, Cookie(await http.CreateSessionAsync(app, user)));
    }

    [Fact]
    public async Task An_archived_user_gets_no_new_session()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var cookie = Cookie(await http.CreateSessionAsync(app, user));

        await ChangeUserAsync(app, user, u => u.State = UserState.Archived);

        Http.AssertError(await http.CreateSessionAsync(app, user, status: HttpStatusCode.Conflict), "user_not_live");
        await http.VerifyAsync(app, cookie, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Sessions_of_one_application_are_invisible_from_another()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var otherApp = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var created = await http.CreateSessionAsync(app, user);

        await http.ListAsync(otherApp, user, HttpStatusCode.NotFound);
        Http.AssertError(await http.VerifyAsync(otherApp, Cookie(created), HttpStatusCode.NotFound), "session_not_found");
        await http.DeleteAllAsync(otherApp, user, status: HttpStatusCode.NotFound);
        await http.CreateSessionAsync(otherApp, user, status: HttpStatusCode.NotFound);

        Assert.Single(await http.ListAsync(app, user));
        await http.VerifyAsync(app, Cookie(created));
    }

    [Fact]
    public async Task Another_companys_token_is_refused()
    {
        var http = await fixture.ClientAsync();
        var foreign = await fixture.ClientAsync(TestClients.OtherCompany);
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var cookie = Cookie(await http.CreateSessionAsync(app, user));

        Http.AssertError(await foreign.CreateSessionAsync(app, user, status: HttpStatusCode.Forbidden), "forbidden");
        await foreign.ListAsync(app, user, HttpStatusCode.Forbidden);
        await foreign.VerifyAsync(app, cookie, HttpStatusCode.Forbidden);
        await foreign.DeleteAllAsync(app, user, status: HttpStatusCode.Forbidden);

        Assert.Single(await http.ListAsync(app, user));
    }

    [Fact]
    public async Task A_read_only_token_can_list_and_verify_but_not_create_or_delete()
    {
        var http = await fixture.ClientAsync();
        var reader = await fixture.ClientAsync(TestClients.ReadOnly);
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var created = await http.CreateSessionAsync(app, user);

        Http.AssertError(await reader.CreateSessionAsync(app, user, status: HttpStatusCode.Forbidden), "forbidden");
        await reader.DeleteSessionAsync(app, user, created.GetProperty("session_id").GetString()!, status: HttpStatusCode.Forbidden);
        await reader.DeleteAllAsync(app, user, status: HttpStatusCode.Forbidden);
        Assert.Single(await reader.ListAsync(app, user));
        await reader.VerifyAsync(app, Cookie(created));
    }

    [Fact]
    public async Task No_token_is_401()
    {
        var anonymous = fixture.Anonymous();

        await anonymous.VerifyAsync(ApiFixture.NewApplicationId(), "s:x.y", HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RevokeAllAsync_ends_every_live_session_of_the_user_and_counts_them()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var other = (await http.NewCustomerAsync(app)).Id;
        var sessions = new List<JsonElement>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add(await http.CreateSessionAsync(app, user));
        }

        await http.CreateSessionAsync(app, other);
        await http.DeleteSessionAsync(app, user, sessions[0].GetProperty("session_id").GetString()!);
        var revoker = fixture.Services.GetRequiredService<IUserSessionRevoker>();

        var count = await revoker.RevokeAllAsync(new Tenant("1001", app), user, "user blocked", "tests", Ct);
        var again = await revoker.RevokeAllAsync(new Tenant("1001", app), user, "user blocked", "tests", Ct);

        Assert.Equal(2, count);
        Assert.Equal(0, again);
        Assert.Empty(await http.ListAsync(app, user));
        Assert.Single(await http.ListAsync(app, other));
        await http.VerifyAsync(app, Cookie(sessions[2]), HttpStatusCode.NotFound);
    }

    private async Task ChangeUserAsync(string app, string userId, Action<User> change) =>
        await fixture.Services.GetRequiredService<UserService>().MutateAsync(new Tenant("1001", app), userId, u =>
        {
            change(u);
            return true;
        }, Ct);
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteSessionsApiTests(SqliteApiFixture fixture) : SessionsApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoSessionsApiTests(MongoApiFixture fixture) : SessionsApiTests(fixture);
