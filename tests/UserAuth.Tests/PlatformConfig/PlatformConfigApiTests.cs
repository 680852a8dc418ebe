using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.PlatformConfig;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.PlatformConfig;

/// <summary>getPlatformConfig and updatePlatformConfig through HTTP, against each store.</summary>
public abstract partial class PlatformConfigApiTests(ApiFixture fixture)
{
    private const string IsoMs = @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$";
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => $"{Http.App(app)}/platform/config";

    [Fact]
    public async Task A_fresh_application_answers_the_documented_defaults()
    {
        var http = await fixture.ClientAsync();
        var config = await http.GetJsonAsync(P);

        Assert.True(config.GetProperty("active").GetBoolean());
        Assert.True(config.GetProperty("register").GetBoolean());
        Assert.True(config.GetProperty("forgot_password").GetBoolean());
        Assert.False(config.GetProperty("skip_captcha").GetBoolean());
        Assert.False(config.GetProperty("skip_login").GetBoolean());
        AssertJson("""{"password": true, "otp": true}""", config.GetProperty("login"));
        AssertJson("""{"email": {"is_required": false, "level": "hard"}, "mobile": {"is_required": true, "level": "hard"}}""",
            config.GetProperty("required_fields"));
        AssertJson("""{"email": {"is_required": false, "level": "hard"}, "mobile": {"is_required": true, "level": "hard"}}""",
            config.GetProperty("register_required_fields"));
        AssertJson("""{"duration": 30, "type": "Days", "is_rolling": false}""", config.GetProperty("session_config"));
        AssertJson("""{"consent_text": ""}""", config.GetProperty("delete_account_consent"));
        AssertJson("""{"fynd_default": true}""", config.GetProperty("meta"));
        AssertJson("[]", config.GetProperty("delete_account_reasons"));
        Assert.Equal(7, config.GetProperty("delete_account_day").GetInt32());
        Assert.Equal(0, config.GetProperty("__v").GetInt32());
        Assert.Equal("center", config.GetProperty("look_and_feel").GetProperty("card_position").GetString());
        Assert.All(config.GetProperty("social").EnumerateObject(), p => Assert.False(p.Value.GetBoolean()));
        foreach (var provider in new[] { "google", "facebook", "account_kit" })
        {
            var token = config.GetProperty("social_tokens").GetProperty(provider);
            Assert.Equal("", token.GetProperty("app_id").GetString());
            Assert.False(token.TryGetProperty("app_secret", out _));
        }

        // Nothing is stored yet: no id or dates, and never a null anywhere.
        Assert.False(config.TryGetProperty("_id", out _));
        Assert.False(config.TryGetProperty("created_at", out _));
        Http.AssertNoNulls(config);
    }

    [Fact]
    public async Task Update_stores_the_reference_example_reads_it_back_and_bumps_the_version()
    {
        var http = await fixture.ClientAsync();
        var sent = JsonDocument.Parse(ReferenceConfig).RootElement;

        var updated = await (await http.PostAsync(P, Http.RawJson(ReferenceConfig))).ExpectAsync(HttpStatusCode.OK);
        foreach (var field in sent.EnumerateObject())
        {
            AssertJson(field.Value, updated.GetProperty(field.Name), field.Name);
        }

        Assert.Matches("^[0-9a-f]{24}$", updated.GetProperty("_id").GetString());
        Assert.Matches(IsoMs, updated.GetProperty("created_at").GetString());
        Assert.Matches(IsoMs, updated.GetProperty("updated_at").GetString());
        Assert.Equal(1, updated.GetProperty("__v").GetInt32());
        AssertJson("{}", updated.GetProperty("meta"));
        Http.AssertNoNulls(updated);

        var read = await http.GetJsonAsync(P);
        AssertJson(updated, read);

        // Round-trip what was read, with one change: same id and creation date, next version.
        var changed = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(read.GetRawText())!;
        changed["display"] = JsonSerializer.SerializeToElement("Second");
        var second = await http.PostJsonAsync(P, changed);
        Assert.Equal("Second", second.GetProperty("display").GetString());
        Assert.Equal(2, second.GetProperty("__v").GetInt32());
        Assert.Equal(updated.GetProperty("_id").GetString(), second.GetProperty("_id").GetString());
        Assert.Equal(updated.GetProperty("created_at").GetString(), second.GetProperty("created_at").GetString());
        Assert.True(string.CompareOrdinal(second.GetProperty("updated_at").GetString(), updated.GetProperty("updated_at").GetString()) >= 0);
    }

    [Fact]
    public async Task A_partial_body_changes_only_the_sent_fields()
    {
        var http = await fixture.ClientAsync();
        await http.PostAsync(P, Http.RawJson(ReferenceConfig));

        var updated = await http.PostJsonAsync(P, new
        {
            display = "Partial",
            flash_card = new { text = "Hello" },
            session_config = new { is_rolling = true },
            required_fields = new { email = new { level = "soft" } },
            social = new { apple = true },
        });

        Assert.Equal("Partial", updated.GetProperty("display").GetString());
        Assert.Equal("Login to Fynd", updated.GetProperty("subtext").GetString());
        AssertJson("""{"text": "Hello", "text_color": "#FFFFFF", "background_color": "#EF5350"}""", updated.GetProperty("flash_card"));
        AssertJson("""{"duration": 30, "type": "Days", "is_rolling": true}""", updated.GetProperty("session_config"));
        AssertJson("""{"email": {"is_required": false, "level": "soft"}, "mobile": {"is_required": true, "level": "hard"}}""",
            updated.GetProperty("required_fields"));
        AssertJson("""{"account_kit": true, "apple": true, "facebook": true, "google": true}""", updated.GetProperty("social"));
        Assert.Equal(1, updated.GetProperty("delete_account_reasons").GetArrayLength());
        Assert.Equal(2, updated.GetProperty("__v").GetInt32());

        // An empty body changes nothing but is still a saved version; a sent list replaces the stored one.
        var empty = await http.PostJsonAsync(P, new { });
        Assert.Equal("Partial", empty.GetProperty("display").GetString());
        var replaced = await http.PostJsonAsync(P, new { delete_account_reasons = Array.Empty<object>() });
        Assert.Equal(0, replaced.GetProperty("delete_account_reasons").GetArrayLength());
        Assert.Equal("Hello", replaced.GetProperty("flash_card").GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_first_partial_save_starts_from_the_defaults()
    {
        var http = await fixture.ClientAsync();
        var saved = await http.PostJsonAsync(P, new { session_config = new { duration = 12, type = "Hours" }, delete_account_day = 0 });

        AssertJson("""{"duration": 12, "type": "Hours", "is_rolling": false}""", saved.GetProperty("session_config"));
        Assert.Equal(0, saved.GetProperty("delete_account_day").GetInt32());
        Assert.Equal("Fynd", saved.GetProperty("display").GetString());
        Assert.Equal(1, saved.GetProperty("__v").GetInt32());
        Assert.False(saved.GetProperty("meta").TryGetProperty("fynd_default", out _));
    }

    [Theory]
    [InlineData("""{"flash_card": {"text_color": "red"}}""", "flash_card.text_color")]
    [InlineData("""{"flash_card": {"background_color": "#12345"}}""", "flash_card.background_color")]
    [InlineData("""{"flash_card": {"text": "~501~"}}""", "flash_card.text")]
    [InlineData("""{"look_and_feel": {"background_color": "#GGG"}}""", "look_and_feel.background_color")]
    [InlineData("""{"look_and_feel": {"card_position": "top"}}""", "look_and_feel.card_position")]
    [InlineData("""{"required_fields": {"email": {"level": "medium"}}}""", "required_fields.email.level")]
    [InlineData("""{"required_fields": {"mobile": {"level": "soft "}}}""", "required_fields.mobile.level")]
    [InlineData("""{"register_required_fields": {"mobile": {"level": "HARD"}}}""", "register_required_fields.mobile.level")]
    [InlineData("""{"register_required_fields": {"email": {"level": ""}}}""", "register_required_fields.email.level")]
    [InlineData("""{"session_config": {"type": "days"}}""", "session_config.type")]
    [InlineData("""{"session_config": {"type": "Weeks"}}""", "session_config.type")]
    [InlineData("""{"session_config": {"duration": 0}}""", "session_config.duration")]
    [InlineData("""{"session_config": {"duration": -5, "type": "Days"}}""", "session_config.duration")]
    [InlineData("""{"session_config": {"duration": 366, "type": "Days"}}""", "session_config.duration")]
    [InlineData("""{"session_config": {"duration": 8761, "type": "Hours"}}""", "session_config.duration")]
    [InlineData("""{"session_config": {"duration": 525601, "type": "Minutes"}}""", "session_config.duration")]
    [InlineData("""{"delete_account_day": -1}""", "delete_account_day")]
    [InlineData("""{"delete_account_day": 366}""", "delete_account_day")]
    [InlineData("""{"delete_account_reasons": [{"reason_text": "x"}]}""", "delete_account_reasons[0].reason_id")]
    [InlineData("""{"delete_account_reasons": [{"reason_id": "1", "reason_text": "x"}, {"reason_id": "2"}]}""", "delete_account_reasons[1].reason_text")]
    [InlineData("""{"delete_account_reasons": [{"reason_id": "~65~", "reason_text": "x"}]}""", "delete_account_reasons[0].reason_id")]
    [InlineData("""{"delete_account_reasons": [null]}""", "delete_account_reasons[0]")]
    [InlineData("""{"delete_account_reasons": [{"reason_id": "1", "reason_text": "a"}, {"reason_id": "1", "reason_text": "b"}]}""", "delete_account_reasons")]
    [InlineData("""{"delete_account_consent": {"consent_text": "~2001~"}}""", "delete_account_consent.consent_text")]
    [InlineData("""{"display": "~101~"}""", "display")]
    [InlineData("""{"name": "~101~"}""", "name")]
    [InlineData("""{"subtext": "~251~"}""", "subtext")]
    [InlineData("""{"mobile_image": "ftp://cdn.example.com/a.png"}""", "mobile_image")]
    [InlineData("""{"mobile_image": "javascript:alert(1)"}""", "mobile_image")]
    [InlineData("""{"desktop_image": "not a url"}""", "desktop_image")]
    [InlineData("""{"desktop_image": "/relative/a.png"}""", "desktop_image")]
    [InlineData("""{"social_tokens": {"google": {"app_id": "~257~"}}}""", "social_tokens.google.app_id")]
    [InlineData("""{"social_tokens": {"facebook": {"app_secret": "~513~"}}}""", "social_tokens.facebook.app_secret")]
    [InlineData("""{"social_tokens": {"account_kit": {"app_id": "~257~"}}}""", "social_tokens.account_kit.app_id")]
    public async Task Each_invalid_field_is_a_400_naming_it(string json, string field)
    {
        var http = await fixture.ClientAsync();
        var response = await http.PostAsync(P, Http.RawJson(Expand(json)));
        Http.AssertError(await response.ExpectAsync(HttpStatusCode.BadRequest), "validation_failed", field);

        // Nothing was saved.
        Assert.Equal(0, (await http.GetJsonAsync(P)).GetProperty("__v").GetInt32());
    }

    [Fact]
    public async Task Every_invalid_field_is_named_in_one_400()
    {
        var http = await fixture.ClientAsync();
        var reasons = Enumerable.Range(0, 51).Select(i => new { reason_id = $"r{i}", reason_text = "why" }).ToArray();
        var body = await http.PostJsonAsync(P, new
        {
            flash_card = new { text_color = "white", background_color = "#1234" },
            look_and_feel = new { card_position = "bottom" },
            session_config = new { type = "Years", duration = 0 },
            delete_account_day = 400,
            delete_account_reasons = reasons,
            desktop_image = "file:///etc/passwd",
        }, HttpStatusCode.BadRequest);

        foreach (var field in new[]
                 {
                     "flash_card.text_color", "flash_card.background_color", "look_and_feel.card_position", "session_config.type",
                     "session_config.duration", "delete_account_day", "delete_account_reasons", "desktop_image",
                 })
        {
            Http.AssertError(body, "validation_failed", field);
        }
    }

    [Fact]
    public async Task Valid_edge_values_are_accepted()
    {
        var http = await fixture.ClientAsync();
        var reasons = Enumerable.Range(0, 50).Select(i => new { reason_id = $"r{i}", reason_text = "why" }).ToArray();
        var saved = await http.PostJsonAsync(P, new
        {
            flash_card = new { text_color = "#fff", background_color = "#A1b2C3" },
            look_and_feel = new { card_position = "right", background_color = "#000" },
            session_config = new { duration = 365, type = "Days" },
            delete_account_day = 365,
            delete_account_reasons = reasons,
            mobile_image = "https://cdn.example.com/login/mobile.png",
            desktop_image = "",
            register_required_fields = new { email = new { is_required = true, level = "soft" } },
        });
        Assert.Equal(50, saved.GetProperty("delete_account_reasons").GetArrayLength());
        Assert.Equal("#fff", saved.GetProperty("flash_card").GetProperty("text_color").GetString());

        var minutes = await http.PostJsonAsync(P, new { session_config = new { duration = 525_600, type = "Minutes" } });
        Assert.Equal(525_600, minutes.GetProperty("session_config").GetProperty("duration").GetInt32());
    }

    [Fact]
    public async Task A_duration_sent_alone_is_checked_against_the_stored_unit()
    {
        var http = await fixture.ClientAsync();
        await http.PostJsonAsync(P, new { session_config = new { duration = 100, type = "Hours" } });

        // 9000 is a valid number of minutes but more than 365 days in the stored unit (hours).
        var body = await http.PostJsonAsync(P, new { session_config = new { duration = 9000 } }, HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "session_config.duration");
        // 400 days is too long in the stored unit (days) of the defaults too.
        var app2 = $"{Http.App(ApiFixture.NewApplicationId())}/platform/config";
        Http.AssertError(await http.PostJsonAsync(app2, new { session_config = new { duration = 400 } }, HttpStatusCode.BadRequest),
            "validation_failed", "session_config.duration");

        var ok = await http.PostJsonAsync(P, new { session_config = new { duration = 8760 } });
        AssertJson("""{"duration": 8760, "type": "Hours", "is_rolling": false}""", ok.GetProperty("session_config"));
    }

    [Theory]
    [InlineData("""{"session_config": {"duration": "thirty", "type": "Days", "is_rolling": false}}""")]
    [InlineData("""{"session_config": {"duration": 1.5}}""")]
    [InlineData("""{"session_config": "30 days"}""")]
    [InlineData("""{"delete_account_day": "7"}""")]
    [InlineData("""{"delete_account_day": 7.5}""")]
    [InlineData("""{"delete_account_consent": "I agree"}""")]
    [InlineData("""{"active": "true"}""")]
    [InlineData("""{"social": {"google": 1}}""")]
    [InlineData("""{"social_tokens": {"google": "token"}}""")]
    [InlineData("""{"delete_account_reasons": {"reason_id": "1"}}""")]
    [InlineData("""{"display": 5}""")]
    [InlineData("[]")]
    [InlineData("{")]
    [InlineData("")]
    public async Task Wrongly_typed_or_malformed_bodies_are_a_400_with_an_error_body(string json)
    {
        var http = await fixture.ClientAsync();
        var body = await (await http.PostAsync(P, Http.RawJson(json))).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("message").GetString()));
        Assert.True(body.TryGetProperty("code", out _));
    }

    [Fact]
    public async Task App_secrets_are_encrypted_at_rest_masked_in_answers_and_kept_when_echoed()
    {
        var http = await fixture.ClientAsync();
        const string googleSecret = "g-secret-value-0001-abcd";
        const string facebookSecret = "short";
        var saved = await http.PostJsonAsync(P, new
        {
            social_tokens = new
            {
                google = new { app_id = "g-id", app_secret = googleSecret },
                facebook = new { app_id = "f-id", app_secret = facebookSecret },
                account_kit = new { app_id = "a-id" },
            },
        });

        var tokens = saved.GetProperty("social_tokens");
        Assert.Equal("g-id", tokens.GetProperty("google").GetProperty("app_id").GetString());
        Assert.Equal("****abcd", tokens.GetProperty("google").GetProperty("app_secret").GetString());
        Assert.Equal("****", tokens.GetProperty("facebook").GetProperty("app_secret").GetString());
        Assert.False(tokens.GetProperty("account_kit").TryGetProperty("app_secret", out _));
        var read = await http.GetJsonAsync(P);
        AssertJson(tokens, read.GetProperty("social_tokens"));
        Assert.DoesNotContain(googleSecret, read.GetRawText(), StringComparison.Ordinal);

        var raw = await RawStoredAsync(app);
        Assert.DoesNotContain(googleSecret, raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\"" + facebookSecret + "\"", raw, StringComparison.Ordinal);
        Assert.Contains("v1:", raw, StringComparison.Ordinal);
        Assert.Equal(googleSecret, await StoredSecretAsync(app, c => c.SocialTokens.Google));
        Assert.Equal(facebookSecret, await StoredSecretAsync(app, c => c.SocialTokens.Facebook));

        // Sending back what was read (masked secrets included), or leaving app_secret out, keeps the secrets.
        var echoed = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(read.GetRawText())!;
        echoed["display"] = JsonSerializer.SerializeToElement("Echoed");
        await http.PostJsonAsync(P, echoed);
        await http.PostJsonAsync(P, new { social_tokens = new { google = new { app_id = "g-id-2" } } });
        Assert.Equal(googleSecret, await StoredSecretAsync(app, c => c.SocialTokens.Google));
        Assert.Equal(facebookSecret, await StoredSecretAsync(app, c => c.SocialTokens.Facebook));
        var after = (await http.GetJsonAsync(P)).GetProperty("social_tokens");
        Assert.Equal("g-id-2", after.GetProperty("google").GetProperty("app_id").GetString());
        Assert.Equal("****abcd", after.GetProperty("google").GetProperty("app_secret").GetString());

        // A masked value that is not the stored one is refused, not stored as a secret.
        var stale = await http.PostJsonAsync(P, new { social_tokens = new { google = new { app_secret = "****zzzz" } } },
            HttpStatusCode.BadRequest);
        Http.AssertError(stale, "validation_failed", "social_tokens.google.app_secret");

        // A new secret replaces it; "" removes it.
        var rotated = await http.PostJsonAsync(P, new { social_tokens = new { google = new { app_secret = "another-secret-9999" } } });
        Assert.Equal("****9999", rotated.GetProperty("social_tokens").GetProperty("google").GetProperty("app_secret").GetString());
        Assert.Equal("another-secret-9999", await StoredSecretAsync(app, c => c.SocialTokens.Google));
        var removed = await http.PostJsonAsync(P, new { social_tokens = new { facebook = new { app_secret = "" } } });
        Assert.False(removed.GetProperty("social_tokens").GetProperty("facebook").TryGetProperty("app_secret", out _));
        Assert.Null(await StoredSecretAsync(app, c => c.SocialTokens.Facebook));
    }

    [Fact]
    public async Task Each_application_has_its_own_config_and_tokens_are_checked()
    {
        var main = await fixture.ClientAsync();
        await main.PostJsonAsync(P, new { display = "Store A", delete_account_day = 30 });

        // Another application of the same company still has the defaults.
        var other = await main.GetJsonAsync($"{Http.App(ApiFixture.NewApplicationId())}/platform/config");
        Assert.Equal("Fynd", other.GetProperty("display").GetString());
        Assert.Equal(0, other.GetProperty("__v").GetInt32());

        // Another company's token reaches neither this config nor, through its own company's path, this application's.
        var otherCompany = await fixture.ClientAsync(TestClients.OtherCompany);
        Http.AssertError(await otherCompany.GetJsonAsync(P, HttpStatusCode.Forbidden), "forbidden");
        await otherCompany.PostJsonAsync(P, new { display = "Hijack" }, HttpStatusCode.Forbidden);
        var own = await otherCompany.GetJsonAsync($"{Http.App(app, TestClients.OtherCompany.CompanyId)}/platform/config");
        Assert.Equal("Fynd", own.GetProperty("display").GetString());
        Assert.Equal("Store A", (await main.GetJsonAsync(P)).GetProperty("display").GetString());

        // No token: 401. Read-only token: reads, cannot write. A token for another application: 403.
        Http.AssertError(await fixture.Anonymous().GetJsonAsync(P, HttpStatusCode.Unauthorized), "unauthorized");
        await fixture.Anonymous().PostJsonAsync(P, new { display = "x" }, HttpStatusCode.Unauthorized);
        var readOnly = await fixture.ClientAsync(TestClients.ReadOnly);
        Assert.Equal("Store A", (await readOnly.GetJsonAsync(P)).GetProperty("display").GetString());
        Http.AssertError(await readOnly.PostJsonAsync(P, new { display = "x" }, HttpStatusCode.Forbidden), "forbidden");
        var oneApp = await fixture.ClientAsync(TestClients.OneApplication);
        await oneApp.GetJsonAsync(P, HttpStatusCode.Forbidden);

        var malformed = await main.GetJsonAsync("/service/platform/user/v1.0/company/1001/application/not-hex/platform/config",
            HttpStatusCode.BadRequest);
        Http.AssertError(malformed, "validation_failed", "application_id");
    }

    [Fact]
    public async Task Concurrent_updates_of_different_fields_lose_no_write()
    {
        var http = await fixture.ClientAsync();
        // A fresh application: the first saves race too.
        var changes = new (string Field, object Body, Func<JsonElement, bool> Check)[]
        {
            ("display", new { display = "D" }, c => c.GetProperty("display").GetString() == "D"),
            ("subtext", new { subtext = "S" }, c => c.GetProperty("subtext").GetString() == "S"),
            ("name", new { name = "N" }, c => c.GetProperty("name").GetString() == "N"),
            ("register", new { register = false }, c => !c.GetProperty("register").GetBoolean()),
            ("skip_captcha", new { skip_captcha = true }, c => c.GetProperty("skip_captcha").GetBoolean()),
            ("flash_card.text", new { flash_card = new { text = "T" } }, c => c.GetProperty("flash_card").GetProperty("text").GetString() == "T"),
            ("look_and_feel.card_position", new { look_and_feel = new { card_position = "left" } },
                c => c.GetProperty("look_and_feel").GetProperty("card_position").GetString() == "left"),
            ("session_config.is_rolling", new { session_config = new { is_rolling = true } },
                c => c.GetProperty("session_config").GetProperty("is_rolling").GetBoolean()),
            ("delete_account_day", new { delete_account_day = 21 }, c => c.GetProperty("delete_account_day").GetInt32() == 21),
            ("delete_account_consent", new { delete_account_consent = new { consent_text = "C" } },
                c => c.GetProperty("delete_account_consent").GetProperty("consent_text").GetString() == "C"),
        };

        var responses = await Task.WhenAll(changes.Select(c => http.PostAsync(P, Http.Json(c.Body))));
        foreach (var response in responses)
        {
            await response.ExpectAsync(HttpStatusCode.OK);
        }

        var stored = await http.GetJsonAsync(P);
        foreach (var (field, _, check) in changes)
        {
            Assert.True(check(stored), $"the update of {field} was lost: {stored}");
        }

        Assert.Equal(changes.Length, stored.GetProperty("__v").GetInt32());
        var versions = new List<int>();
        foreach (var response in responses)
        {
            versions.Add((await response.ReadJsonAsync()).GetProperty("__v").GetInt32());
        }

        Assert.Equal(Enumerable.Range(1, changes.Length), versions.Order());
    }

    [Fact]
    public async Task Login_settings_follow_the_stored_config_or_the_defaults()
    {
        var http = await fixture.ClientAsync();
        var settings = fixture.Services.GetRequiredService<ILoginSettings>();
        var tenant = new Tenant("1001", app);
        var ct = TestContext.Current.CancellationToken;

        var defaults = await settings.GetAsync(tenant, ct);
        Assert.Equal(TimeSpan.FromDays(30), defaults.SessionDuration);
        Assert.False(defaults.SessionIsRolling);
        Assert.Equal(7, defaults.DeleteAccountDays);

        await http.PostJsonAsync(P, new { session_config = new { duration = 12, type = "Hours", is_rolling = true }, delete_account_day = 14 });
        var stored = await settings.GetAsync(tenant, ct);
        Assert.Equal(TimeSpan.FromHours(12), stored.SessionDuration);
        Assert.True(stored.SessionIsRolling);
        Assert.Equal(14, stored.DeleteAccountDays);

        await http.PostJsonAsync(P, new { session_config = new { duration = 90, type = "Minutes" } });
        Assert.Equal(TimeSpan.FromMinutes(90), (await settings.GetAsync(tenant, ct)).SessionDuration);
        // Another company's application of the same id is not affected.
        Assert.Equal(TimeSpan.FromDays(30), (await settings.GetAsync(new Tenant("2002", app), ct)).SessionDuration);
    }

    /// <summary>The reference example (USER.md) with social_tokens as the client's models have them.</summary>
    private const string ReferenceConfig = """
        {
          "active": true, "mobile_image": "", "desktop_image": "",
          "social": {"facebook": true, "google": true, "account_kit": true},
          "flash_card": {"text": "", "text_color": "#FFFFFF", "background_color": "#EF5350"},
          "register": true, "forgot_password": true, "login": {"password": true, "otp": true}, "skip_captcha": false,
          "display": "Fynd", "subtext": "Login to Fynd", "name": "Fynd", "meta": {},
          "required_fields": {"email": {"is_required": false, "level": "hard"}, "mobile": {"is_required": true, "level": "hard"}},
          "register_required_fields": {"email": {"is_required": false, "level": "hard"}, "mobile": {"is_required": true, "level": "hard"}},
          "skip_login": false, "look_and_feel": {"background_color": "#F5F5F5", "card_position": "center"},
          "social_tokens": {"google": {"app_id": "token_123"}, "facebook": {"app_id": "token_123"}, "account_kit": {"app_id": "token_123"}},
          "session_config": {"duration": 30, "type": "Days", "is_rolling": false},
          "delete_account_reasons": [{"reason_text": "test", "reason_id": "123", "show_text_area": true}],
          "delete_account_day": 7, "delete_account_consent": {"consent_text": ""}
        }
        """;

    [GeneratedRegex("~(\\d+)~")]
    private static partial Regex LongText();

    /// <summary><c>~N~</c> becomes N letters.</summary>
    private static string Expand(string json) =>
        LongText().Replace(json, m => new string('a', int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));

    private static void AssertJson(string expected, JsonElement actual, string? what = null) =>
        AssertJson(JsonDocument.Parse(expected).RootElement, actual, what);

    private static void AssertJson(JsonElement expected, JsonElement actual, string? what = null) =>
        Assert.True(JsonElement.DeepEquals(expected, actual), $"{what ?? "value"}: expected {expected} but got {actual}");

    /// <summary>The stored row or document as the store holds it, read around the service.</summary>
    private async Task<string> RawStoredAsync(string applicationId)
    {
        var ct = TestContext.Current.CancellationToken;
        if (fixture.Store == StoreKind.Sqlite)
        {
            var database = fixture.Services.GetRequiredService<SqliteDatabase>();
            await using var connection = await database.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT * FROM platform_configs WHERE company_id = '1001' AND application_id = $application;";
            command.Parameters.AddWithValue("$application", applicationId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            Assert.True(await reader.ReadAsync(ct));
            return string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i),
                System.Globalization.CultureInfo.InvariantCulture)));
        }

        var mongo = fixture.Services.GetRequiredService<MongoDatabaseProvider>();
        var document = await mongo.Database.GetCollection<BsonDocument>("platform_configs")
            .Find(new BsonDocument { ["company_id"] = "1001", ["application_id"] = applicationId })
            .FirstOrDefaultAsync(ct);
        Assert.NotNull(document);
        Assert.Equal(BsonType.ObjectId, document["_id"].BsonType);
        return document.ToJson();
    }

    private async Task<string?> StoredSecretAsync(string applicationId, Func<PlatformConfigDocument, SocialAppSettings> select)
    {
        var store = fixture.Services.GetRequiredService<IPlatformConfigStore>();
        var stored = await store.FindAsync(new Tenant("1001", applicationId), TestContext.Current.CancellationToken);
        var cipher = select(stored!).AppSecretCipher;
        return cipher is null ? null : fixture.Services.GetRequiredService<SecretProtector>().Unprotect(cipher);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqlitePlatformConfigApiTests(SqliteApiFixture fixture) : PlatformConfigApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoPlatformConfigApiTests(MongoApiFixture fixture) : PlatformConfigApiTests(fixture);
