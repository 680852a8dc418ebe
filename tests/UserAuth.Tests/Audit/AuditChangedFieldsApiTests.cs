using System.Net;
using System.Text.Json;
using UserAuth.Tests.Attributes;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Groups.GroupTestSupport;

namespace UserAuth.Tests.Audit;

/// <summary>
/// Update writes other than updateUser name in their audit record only the fields whose stored value changed (a
/// repeated update names none); creates name every field sent. Through HTTP, against each store.
/// </summary>
public abstract class AuditChangedFieldsApiTests(ApiFixture fixture) : IAsyncLifetime
{
    private readonly string app = ApiFixture.NewApplicationId();
    private LoopbackFileServer files = null!;

    private string P => Http.App(app);

    public async ValueTask InitializeAsync() => files = await LoopbackFileServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await files.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>The fields named by the newest record of <paramref name="operation"/>, which must be its <paramref name="count"/>th.</summary>
    private async Task<string[]> ChangedAsync(HttpClient http, string operation, int count)
    {
        var page = await http.GetJsonAsync($"{P}/audit?page_size=100");
        var records = page.GetProperty("items").EnumerateArray().Where(r => r.GetProperty("operation").GetString() == operation).ToList();
        Assert.Equal(count, records.Count);
        Assert.Equal(200, records[0].GetProperty("status").GetInt32());
        return records[0].GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("field").GetString()!)
            .Order(StringComparer.Ordinal).ToArray();
    }

    private static async Task<JsonElement> PatchAsync(HttpClient http, string path, object body) =>
        await (await http.PatchAsync(path, Http.Json(body))).ExpectAsync(HttpStatusCode.OK);

    [Fact]
    public async Task UpdatePlatformConfig_names_the_fields_it_changed()
    {
        var http = await fixture.ClientAsync();
        const string op = "updatePlatformConfig";

        // Subtext and social.google as they are (the defaults); the rest changed.
        var body = new { delete_account_day = 9, name = "Shop", subtext = "Login to Fynd", social = new { google = false, facebook = true } };
        await http.PostJsonAsync($"{P}/platform/config", body);
        Assert.Equal(["delete_account_day", "name", "social"], await ChangedAsync(http, op, 1));

        await http.PostJsonAsync($"{P}/platform/config", body);
        Assert.Empty(await ChangedAsync(http, op, 2));

        await http.PostJsonAsync($"{P}/platform/config", new { name = "Shop", social = new { facebook = false } });
        Assert.Equal(["social"], await ChangedAsync(http, op, 3));

        // A secret set is a change; sending back the masked value the configuration answers keeps it: no change.
        var answer = await http.PostJsonAsync($"{P}/platform/config",
            new { social_tokens = new { google = new { app_id = "g-app", app_secret = "a-long-google-secret" } } });
        Assert.Equal(["social_tokens"], await ChangedAsync(http, op, 4));
        var tokens = answer.GetProperty("social_tokens");
        await http.PostJsonAsync($"{P}/platform/config", new { social_tokens = tokens, delete_account_day = 9 });
        Assert.Empty(await ChangedAsync(http, op, 5));
    }

    [Fact]
    public async Task UpdateUserAttributeDefinition_names_the_fields_it_changed()
    {
        var http = await fixture.ClientAsync();
        const string op = "updateUserAttributeDefinition";
        var created = await http.DefineAsync(app, "string");
        var path = $"{AttributeApi.Definitions(app)}/{AttributeApi.Id(created)}";
        var name = created.GetProperty("name").GetString()!;

        var body = new { name, description = "Loyalty tier", pinned = true, validations = new[] { new { type = "min", value = 2 } } };
        await http.PutJsonAsync(path, body);
        Assert.Equal(["description", "pinned", "validations"], await ChangedAsync(http, op, 1));

        await http.PutJsonAsync(path, body);
        Assert.Empty(await ChangedAsync(http, op, 2));

        // is_multi_value is the later client's name of multi_value: named as sent.
        await http.PutJsonAsync(path, new { is_multi_value = true, pinned = true });
        Assert.Equal(["is_multi_value"], await ChangedAsync(http, op, 3));
        await http.PutJsonAsync(path, new { multi_value = false });
        Assert.Equal(["multi_value"], await ChangedAsync(http, op, 4));
        await http.PutJsonAsync(path, new { multi_value = false, is_multi_value = false });
        Assert.Empty(await ChangedAsync(http, op, 5));
    }

    [Fact]
    public async Task User_attribute_value_writes_name_the_fields_they_changed()
    {
        var http = await fixture.ClientAsync();
        var tier = AttributeApi.Id(await http.DefineAsync(app, "string"));
        var secret = AttributeApi.Id(await http.DefineAsync(app, "string", new { encrypted = true }));
        var user = await http.NewUserAsync(app);
        const string put = "updateUserAttribute";

        // A new value is a change; the same value again is none, stored encrypted or not.
        await http.PutJsonAsync(AttributeApi.Value(app, tier, user), new { attribute = new { value = "gold" } });
        Assert.Equal(["attribute"], await ChangedAsync(http, put, 1));
        await http.PutJsonAsync(AttributeApi.Value(app, tier, user), new { attribute = new { value = "gold" } });
        Assert.Empty(await ChangedAsync(http, put, 2));
        await http.PutJsonAsync(AttributeApi.Value(app, secret, user), new { attribute = new { value = "s1" } });
        Assert.Equal(["attribute"], await ChangedAsync(http, put, 3));
        await http.PutJsonAsync(AttributeApi.Value(app, secret, user), new { attribute = new { value = "s1" } });
        Assert.Empty(await ChangedAsync(http, put, 4));

        // The flag alone, under either of the clients' spellings.
        await http.PutJsonAsync(AttributeApi.Value(app, tier, user), new { attribute = new { value = "gold" }, customer_overridden = true });
        Assert.Equal(["customer_overridden"], await ChangedAsync(http, put, 5));
        await http.PutJsonAsync(AttributeApi.Value(app, tier, user), new { attribute = new { value = "gold" }, customer_overriden = false });
        Assert.Equal(["customer_overriden"], await ChangedAsync(http, put, 6));
        await http.PutJsonAsync(AttributeApi.Value(app, tier, user), new { attribute = new { value = "silver" }, customer_overriden = false });
        Assert.Equal(["attribute"], await ChangedAsync(http, put, 7));

        // updateUserAttributes: several values, named once when any changed.
        const string many = "updateUserAttributes";
        var path = $"{P}/user_attribute/user/{user}";
        await http.PostJsonAsync(path, new { attributes = new[] { new { definition_id = tier, value = "silver" }, new { definition_id = secret, value = "s1" } } });
        Assert.Empty(await ChangedAsync(http, many, 1));
        await http.PostJsonAsync(path, new { attributes = new[] { new { definition_id = tier, value = "silver" }, new { definition_id = secret, value = "s2" } } });
        Assert.Equal(["attributes"], await ChangedAsync(http, many, 2));
    }

    [Fact]
    public async Task UpdateUserGroup_and_its_patch_name_the_fields_they_changed()
    {
        var http = await fixture.ClientAsync();
        var member = await http.NewCustomerAsync(app);
        var uid = (await http.PostJsonAsync($"{P}/user_group", new { name = "Group", description = "d" })).GetProperty("uid").GetInt64();
        var path = $"{P}/user_group/{uid}";
        const string put = "updateUserGroup";
        const string patch = "updateUserGroupPartially";

        await http.PutJsonAsync(path, new { name = "Group", description = "new", type = "bulk" });
        Assert.Equal(["description"], await ChangedAsync(http, put, 1));
        await http.PutJsonAsync(path, new { name = "Group", description = "new", type = "bulk" });
        Assert.Empty(await ChangedAsync(http, put, 2));

        await PatchAsync(http, path, new { name = "Renamed", description = "new" });
        Assert.Equal(["name"], await ChangedAsync(http, patch, 1));
        await PatchAsync(http, path, new { name = "Renamed", description = "new" });
        Assert.Empty(await ChangedAsync(http, patch, 2));

        // Entries or a file sent start a run of them: a change, even when they are the same again.
        var entries = new { type = "json", name = "Renamed", user_data = new[] { new { action = "add", user_id = member.Id } } };
        await PatchAsync(http, path, entries);
        Assert.Equal(["user_data"], await ChangedAsync(http, patch, 3));
        await WaitDoneAsync(http, P, uid);
        await PatchAsync(http, path, entries);
        Assert.Equal(["user_data"], await ChangedAsync(http, patch, 4));
        await WaitDoneAsync(http, P, uid);

        var file = files.Serve($"{app}.csv", $"user_id,action\n{member.Id},add\n");
        await http.PutJsonAsync(path, new { file_url = file, name = "Renamed" });
        Assert.Equal(["file_url"], await ChangedAsync(http, put, 3));
        await WaitDoneAsync(http, P, uid);
        await http.PutJsonAsync(path, new { file_url = file });
        Assert.Equal(["file_url"], await ChangedAsync(http, put, 4));
        await WaitDoneAsync(http, P, uid);
        Assert.Equal([member.Id], await MembersAsync(http, P, uid));
    }

    [Fact]
    public async Task Creates_name_every_field_sent()
    {
        var http = await fixture.ClientAsync();
        await http.PostJsonAsync($"{P}/user_group", new { name = "Group", description = "d" });
        Assert.Equal(["description", "name"], await ChangedAsync(http, "createUserGroup", 1));
        await http.DefineAsync(app, "string", new { pinned = false });
        Assert.Equal(["name", "pinned", "slug", "type"], await ChangedAsync(http, "createUserAttributeDefinition", 1));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteAuditChangedFieldsApiTests(SqliteApiFixture fixture) : AuditChangedFieldsApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoAuditChangedFieldsApiTests(MongoApiFixture fixture) : AuditChangedFieldsApiTests(fixture);
