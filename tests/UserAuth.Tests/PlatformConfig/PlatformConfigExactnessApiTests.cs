using System.Net;
using System.Text.Json;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.PlatformConfig;

/// <summary>Issue 10 item 7: the platform config keeps its <c>meta</c> and never ignores the reference example's <c>appId</c>.</summary>
public abstract class PlatformConfigExactnessApiTests(ApiFixture fixture)
{
    private readonly string path = $"{Http.App(ApiFixture.NewApplicationId())}/platform/config";

    [Fact]
    public async Task A_sent_meta_is_kept_and_answered_by_post_and_get()
    {
        var http = await fixture.ClientAsync();

        var saved = await (await http.PostAsync(path, Http.RawJson("""{"meta": {"fynd_default": false, "x": 1, "nested": {"y": [1, "z"]}}}"""),
            TestContext.Current.CancellationToken)).ExpectAsync(HttpStatusCode.OK);
        var read = await http.GetJsonAsync(path);
        var untouched = await http.PostJsonAsync(path, new { display = "Shop" });

        foreach (var answer in new[] { saved, read, untouched })
        {
            var meta = answer.GetProperty("meta");
            Assert.False(meta.GetProperty("fynd_default").GetBoolean());
            Assert.Equal(1, meta.GetProperty("x").GetInt32());
            Assert.Equal("z", meta.GetProperty("nested").GetProperty("y")[1].GetString());
        }
    }

    [Fact]
    public async Task A_meta_beyond_the_free_form_limits_is_refused()
    {
        var http = await fixture.ClientAsync();
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 20)) + "1" + new string('}', 20);

        var refused = await (await http.PostAsync(path, Http.RawJson($$"""{"meta": {{deep}}}"""), TestContext.Current.CancellationToken))
            .ExpectAsync(HttpStatusCode.BadRequest);

        Http.AssertError(refused, "validation_failed", "meta");
    }

    [Fact]
    public async Task AppId_as_spelled_in_the_reference_example_is_stored_and_answered_as_app_id()
    {
        var http = await fixture.ClientAsync();

        var saved = await (await http.PostAsync(path, Http.RawJson(
                """{"social_tokens": {"google": {"appId": "token_123"}, "facebook": {"appId": "fb", "app_id": "fb"}}}"""),
            TestContext.Current.CancellationToken)).ExpectAsync(HttpStatusCode.OK);
        var read = await http.GetJsonAsync(path);

        foreach (var tokens in new[] { saved.GetProperty("social_tokens"), read.GetProperty("social_tokens") })
        {
            Assert.Equal("token_123", tokens.GetProperty("google").GetProperty("app_id").GetString());
            Assert.Equal("fb", tokens.GetProperty("facebook").GetProperty("app_id").GetString());
            Assert.False(tokens.GetProperty("google").TryGetProperty("appId", out _));
        }
    }

    [Fact]
    public async Task AppId_and_app_id_that_disagree_are_refused_naming_the_field()
    {
        var http = await fixture.ClientAsync();

        var refused = await (await http.PostAsync(path, Http.RawJson("""{"social_tokens": {"google": {"appId": "a", "app_id": "b"}}}"""),
            TestContext.Current.CancellationToken)).ExpectAsync(HttpStatusCode.BadRequest);

        Http.AssertError(refused, "validation_failed", "social_tokens.google.appId");
        Assert.Equal(JsonValueKind.Object, (await http.GetJsonAsync(path)).GetProperty("meta").ValueKind);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqlitePlatformConfigExactnessApiTests(SqliteApiFixture fixture) : PlatformConfigExactnessApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoPlatformConfigExactnessApiTests(MongoApiFixture fixture) : PlatformConfigExactnessApiTests(fixture);
