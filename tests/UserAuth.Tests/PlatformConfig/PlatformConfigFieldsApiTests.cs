using System.Text.Json;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.PlatformConfig;

/// <summary>
/// Every top-level and nested setting an update sends is what is stored and answered (issue 13, "Tests that can fail":
/// a sent value that the service silently dropped in favour of the stored one went unnoticed for these fields).
/// </summary>
public abstract class PlatformConfigFieldsApiTests(ApiFixture fixture)
{
    [Fact]
    public async Task Each_sent_setting_replaces_the_default_and_reads_back()
    {
        var http = await fixture.ClientAsync();
        var path = $"{Http.App(ApiFixture.NewApplicationId())}/platform/config";
        await http.PostJsonAsync(path, new
        {
            active = false,
            mobile_image = "https://img.example.com/mobile.png",
            desktop_image = "https://img.example.com/desktop.png",
            forgot_password = false,
            skip_login = true,
            social = new { apple = true },
            flash_card = new { background_color = "#123456" },
            login = new { password = false, otp = false },
            required_fields = new { email = new { is_required = true } },
        });

        var config = await http.GetJsonAsync(path);
        Assert.False(config.GetProperty("active").GetBoolean());
        Assert.Equal("https://img.example.com/mobile.png", config.GetProperty("mobile_image").GetString());
        Assert.Equal("https://img.example.com/desktop.png", config.GetProperty("desktop_image").GetString());
        Assert.False(config.GetProperty("forgot_password").GetBoolean());
        Assert.True(config.GetProperty("skip_login").GetBoolean());
        Assert.True(config.GetProperty("social").GetProperty("apple").GetBoolean());
        Assert.False(config.GetProperty("social").GetProperty("google").GetBoolean());
        Assert.Equal("#123456", config.GetProperty("flash_card").GetProperty("background_color").GetString());
        Assert.Equal(JsonValueKind.False, config.GetProperty("login").GetProperty("password").ValueKind);
        Assert.Equal(JsonValueKind.False, config.GetProperty("login").GetProperty("otp").ValueKind);
        Assert.True(config.GetProperty("required_fields").GetProperty("email").GetProperty("is_required").GetBoolean());
        Assert.Equal("hard", config.GetProperty("required_fields").GetProperty("email").GetProperty("level").GetString());

        // A later update that sends only social.google keeps apple as stored.
        var later = await http.PostJsonAsync(path, new { social = new { google = true } });
        Assert.True(later.GetProperty("social").GetProperty("apple").GetBoolean());
        Assert.True(later.GetProperty("social").GetProperty("google").GetBoolean());
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqlitePlatformConfigFieldsApiTests(SqliteApiFixture fixture) : PlatformConfigFieldsApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoPlatformConfigFieldsApiTests(MongoApiFixture fixture) : PlatformConfigFieldsApiTests(fixture);
