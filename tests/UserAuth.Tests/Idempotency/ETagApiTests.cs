using System.Net;
using System.Text.Json;
using UserAuth.Tests.Attributes;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Idempotency;

/// <summary>ETag / If-Match on every versioned resource (users, platform config, attribute definitions, groups), per store.</summary>
public abstract class ETagApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private static string Tag(int version) => $"\"{version}\"";

    private static async Task<(HttpStatusCode Status, JsonElement Body, string? ETag)> SendAsync(HttpClient http, HttpMethod method,
        string path, object body, string? ifMatch)
    {
        using var request = new HttpRequestMessage(method, path) { Content = Http.Json(body) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(),
            response.Headers.ETag?.ToString());
    }

    private static async Task<(JsonElement Body, string? ETag)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.ExpectAsync(HttpStatusCode.OK);
        return (body, response.Headers.ETag?.ToString());
    }

    /// <summary>
    /// The behaviour every versioned resource shares: the answer's ETag is its __v; a stale If-Match is a 412 error body
    /// and changes nothing; the current one, <c>*</c> and no header apply; a malformed one is a 400.
    /// </summary>
    private static async Task AssertOptimisticConcurrencyAsync(HttpClient http, HttpMethod method, string path,
        Func<Task<(JsonElement Body, string? ETag)>> read, Func<JsonElement, JsonElement> resource,
        Func<int, object> change, Func<JsonElement, string> changed)
    {
        var (before, etag) = await read();
        var version = resource(before).GetProperty("__v").GetInt32();
        Assert.Equal(Tag(version), etag);

        var first = await SendAsync(http, method, path, change(1), Tag(version));
        Assert.True(first.Status == HttpStatusCode.OK, $"{(int)first.Status} {first.Body}");
        Assert.Equal(version + 1, resource(first.Body).GetProperty("__v").GetInt32());
        Assert.Equal(Tag(version + 1), first.ETag);
        var afterFirst = changed(resource(first.Body));

        // A writer that read the old version loses: 412, and the resource keeps the first change.
        var stale = await SendAsync(http, method, path, change(2), Tag(version));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.Status);
        Http.AssertError(stale.Body, "precondition_failed", "If-Match");
        var (now, nowTag) = await read();
        Assert.Equal(version + 1, resource(now).GetProperty("__v").GetInt32());
        Assert.Equal(afterFirst, changed(resource(now)));
        Assert.Equal(Tag(version + 1), nowTag);

        // A list naming the current version, "*", and no header apply.
        var listed = await SendAsync(http, method, path, change(3), $"{Tag(version)}, {Tag(version + 1)}");
        Assert.Equal(HttpStatusCode.OK, listed.Status);
        var any = await SendAsync(http, method, path, change(4), "*");
        Assert.Equal(HttpStatusCode.OK, any.Status);
        var none = await SendAsync(http, method, path, change(5), null);
        Assert.Equal(HttpStatusCode.OK, none.Status);
        Assert.Equal(version + 4, resource(none.Body).GetProperty("__v").GetInt32());

        foreach (var malformed in new[] { "3", "W/\"3\"", "\"x\"" })
        {
            var bad = await SendAsync(http, method, path, change(6), malformed);
            Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
            Http.AssertError(bad.Body, "validation_failed", "If-Match");
        }

        Assert.Equal(version + 4, resource((await read()).Body).GetProperty("__v").GetInt32());
    }

    [Fact]
    public async Task Users_carry_an_ETag_and_updateUser_honours_If_Match()
    {
        var http = await fixture.ClientAsync();
        var username = Build.Username();
        using var created = await http.PostAsync($"{P}/customers", Http.Json(Build.User(username)));
        var createdBody = await created.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(Tag(0), created.Headers.ETag?.ToString());
        var id = createdBody.GetProperty("user").GetProperty("_id").GetString()!;

        async Task<(JsonElement, string?)> ReadAsync()
        {
            // No single-user GET in the reference: the listing gives the body, an empty update gives the ETag.
            var list = await http.GetJsonAsync($"{P}/customers/list?q={username}");
            var user = list.GetProperty("items")[0];
            return (JsonSerializer.SerializeToElement(new { user }), Tag(user.GetProperty("__v").GetInt32()));
        }

        await AssertOptimisticConcurrencyAsync(http, HttpMethod.Put, $"{P}/customers/{id}", ReadAsync,
            body => body.GetProperty("user"), n => new { first_name = $"Name{n}" },
            user => user.GetProperty("first_name").GetString()!);
    }

    [Fact]
    public async Task The_platform_config_carries_an_ETag_and_its_update_honours_If_Match()
    {
        var http = await fixture.ClientAsync();
        var path = $"{P}/platform/config";

        await AssertOptimisticConcurrencyAsync(http, HttpMethod.Post, path, () => GetAsync(http, path),
            body => body, n => new { delete_account_day = 10 + n },
            config => config.GetProperty("delete_account_day").GetRawText());
    }

    [Fact]
    public async Task Attribute_definitions_carry_an_ETag_and_their_update_honours_If_Match()
    {
        var http = await fixture.ClientAsync();
        var id = AttributeApi.Id(await http.DefineAsync(app, "string"));
        var path = $"{AttributeApi.Definitions(app)}/{id}";

        await AssertOptimisticConcurrencyAsync(http, HttpMethod.Put, path, () => GetAsync(http, path),
            body => body, n => new { name = $"Tier {n}" },
            definition => definition.GetProperty("name").GetString()!);
    }

    [Fact]
    public async Task Groups_carry_an_ETag_and_their_updates_honour_If_Match()
    {
        var http = await fixture.ClientAsync();
        var tier = AttributeApi.Id(await http.DefineAsync(app, "string"));
        var group = await http.PostJsonAsync($"{P}/user_group", new
        {
            name = "Gold", description = "d", type = "conditional",
            conditions = new[] { new { user_attribute_definition_id = tier, type = "eq", value = "gold" } },
        });
        var path = $"{P}/user_group/{group.GetProperty("uid").GetInt64()}";

        await AssertOptimisticConcurrencyAsync(http, HttpMethod.Put, path, () => GetAsync(http, path),
            body => body, n => new { name = $"Gold {n}", description = "d" },
            g => g.GetProperty("name").GetString()!);

        var (current, tag) = await GetAsync(http, path);
        var stalePatch = await SendAsync(http, HttpMethod.Patch, path, new { name = "patched" },
            Tag(current.GetProperty("__v").GetInt32() - 1));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stalePatch.Status);
        var patch = await SendAsync(http, HttpMethod.Patch, path, new { name = "patched" }, tag);
        Assert.Equal(HttpStatusCode.OK, patch.Status);
        Assert.Equal("patched", patch.Body.GetProperty("name").GetString());
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteETagApiTests(SqliteApiFixture fixture) : ETagApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoETagApiTests(MongoApiFixture fixture) : ETagApiTests(fixture);
