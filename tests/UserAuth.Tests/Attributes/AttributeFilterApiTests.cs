using System.Net;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Attributes.AttributeApi;

namespace UserAuth.Tests.Attributes;

/// <summary>filterUsersByAttributes over real HTTP, against each store: every operator, and/or, narrowing, paging.</summary>
public abstract class AttributeFilterApiTests(ApiFixture fixture)
{
    private sealed record World(HttpClient Http, string App, string Name, string Age, string Since, string Seen, string Vip, string Secret,
        string Tags, string Blob, string Email, string Ada, string Bob, string Cy, string Dee, string AdaEmail);

    private async Task<World> SeedAsync()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var name = Id(await http.DefineAsync(app, "string"));
        var age = Id(await http.DefineAsync(app, "number"));
        var since = Id(await http.DefineAsync(app, "date"));
        var seen = Id(await http.DefineAsync(app, "datetime"));
        var vip = Id(await http.DefineAsync(app, "boolean"));
        var secret = Id(await http.DefineAsync(app, "string", new { encrypted = true }));
        var tags = Id(await http.DefineAsync(app, "string", new { multi_value = true }));
        var blob = Id(await http.DefineAsync(app, "json"));
        var email = Id(await http.DefineAsync(app, "email"));
        var adaEmail = $"ada.{Guid.NewGuid():N}@example.com";
        var ada = (await http.NewCustomerAsync(app, email: adaEmail)).Id;
        var bob = (await http.NewCustomerAsync(app)).Id;
        var cy = (await http.NewCustomerAsync(app)).Id;
        var dee = (await http.NewCustomerAsync(app)).Id;

        async Task Set(string user, params (string Definition, object Value)[] values) =>
            await http.PostJsonAsync($"{Http.App(app)}/user_attribute/user/{user}",
                new { attributes = values.Select(v => new { definition_id = v.Definition, value = v.Value }).ToArray() });
        await Set(ada, (name, "Ada Lovelace"), (age, 36), (since, "2020-05-01"), (seen, "2024-01-01T10:00:00Z"), (vip, true),
            (secret, "ABC-123"), (tags, new[] { "math", "poet" }), (blob, new { a = 1 }), (email, "ada@example.com"));
        await Set(bob, (name, "Bob Builder"), (age, 50), (since, "2021-01-01"), (seen, "2024-06-01T00:00:00Z"), (vip, false),
            (secret, "XYZ-999"), (tags, new[] { "build" }));
        await Set(cy, (name, "Cy Young"), (age, 18.5), (since, "2019-12-31"), (secret, "abc-123"), (email, "cy@example.org"));
        // dee has no attributes at all
        return new World(http, app, name, age, since, seen, vip, secret, tags, blob, email, ada, bob, cy, dee, adaEmail);
    }

    private static object C(string definition, string op, object value) => new { definition_id = definition, type = op, value };

    private static async Task<List<string>> Match(World w, string join, params object[] conditions) =>
        UserIds(await w.Http.FilterAsync(w.App, join, conditions));

    private static List<string> Sorted(params string[] ids) => ids.Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task Text_operators_match_strings()
    {
        var w = await SeedAsync();
        Assert.Equal(Sorted(w.Ada), await Match(w, "and", C(w.Name, "eq", "Ada Lovelace")));
        Assert.Equal(Sorted(w.Bob, w.Cy), await Match(w, "and", C(w.Name, "ne", "Ada Lovelace")));
        Assert.Equal(Sorted(w.Ada), await Match(w, "and", C(w.Name, "is", "Ada Lovelace")));
        Assert.Equal(Sorted(w.Bob, w.Cy), await Match(w, "and", C(w.Name, "nis", "Ada Lovelace")));
        Assert.Equal(Sorted(w.Bob), await Match(w, "and", C(w.Name, "cnt", "Build")));
        Assert.Equal(Sorted(w.Ada, w.Cy), await Match(w, "and", C(w.Name, "nct", "Build")));
        Assert.Equal(Sorted(w.Cy), await Match(w, "and", C(w.Name, "sw", "Cy ")));
        Assert.Equal(Sorted(w.Ada), await Match(w, "and", C(w.Name, "ew", "lace")));
        Assert.Equal(Sorted(w.Ada, w.Cy), await Match(w, "and", C(w.Name, "in", new[] { "Ada Lovelace", "Cy Young", "Nobody" })));
        Assert.Equal(Sorted(w.Bob), await Match(w, "and", C(w.Name, "nin", new[] { "Ada Lovelace", "Cy Young" })));
        Assert.Empty(await Match(w, "and", C(w.Name, "cnt", ".*")));
        Assert.Equal(Sorted(w.Ada), await Match(w, "and", C(w.Email, "eq", "ADA@example.com")));
        Assert.Equal(Sorted(w.Cy), await Match(w, "and", C(w.Email, "ew", ".org")));
    }

    [Fact]
    public async Task Number_date_datetime_and_boolean_operators()
    {
        var w = await SeedAsync();
        Assert.Equal(Sorted(w.Bob), await Match(w, "and", C(w.Age, "gt", 36)));
        Assert.Equal(Sorted(w.Ada, w.Bob), await Match(w, "and", C(w.Age, "gte", 36)));
        Assert.Equal(Sorted(w.Cy), await Match(w, "and", C(w.Age, "lt", 36)));
        Assert.Equal(Sorted(w.Ada, w.Cy), await Match(w, "and", C(w.Age, "lte", 36)));
        Assert.Equal(Sorted(w.Ada, w.Cy), await Match(w, "and", C(w.Age, "btw", new[] { 18.5, 40 })));
        Assert.Equal(Sorted(w.Cy), await Match(w, "and", C(w.Age, "eq", 18.5)));
        Assert.Equal(Sorted(w.Ada, w.Bob), await Match(w, "and", C(w.Age, "nin", new[] { 18.5 })));
        Assert.Equal(Sorted(w.Ada, w.Bob), await Match(w, "and", C(w.Since, "gte", "2020-01-01")));
        Assert.Equal(Sorted(w.Ada, w.Cy), await Match(w, "and", C(w.Since, "btw", new[] { "2019-01-01", "2020-12-31" })));
        Assert.Equal(Sorted(w.Bob), await Match(w, "and", C(w.Seen, "gt", "2024-03-01T00:00:00+05:30")));
        Assert.Equal(Sorted(w.Ada), await Match(w, "and", C(w.Vip, "eq", true)));
        Assert.Equal(Sorted(w.Bob), await Match(w, "and", C(w.Vip, "ne", true)));
    }

    [Fact]
    public async Task Multi_value_matches_any_element_and_negation_means_none()
    {
        var w = await SeedAsync();
        Assert.Equal(Sorted(w.Ada), await Match(w, "and", C(w.Tags, "eq", "poet")));
        Assert.Equal(Sorted(w.Bob), await Match(w, "and", C(w.Tags, "ne", "poet")));
        Assert.Equal(Sorted(w.Ada, w.Bob), await Match(w, "and", C(w.Tags, "in", new[] { "poet", "build" })));
    }

    [Fact]
    public async Task Encrypted_attributes_take_eq_ne_in_nin_on_their_keyed_hash()
    {
        var w = await SeedAsync();
        Assert.Equal(Sorted(w.Ada), await Match(w, "and", C(w.Secret, "eq", "ABC-123")));
        Assert.Equal(Sorted(w.Bob, w.Cy), await Match(w, "and", C(w.Secret, "ne", "ABC-123")));
        Assert.Equal(Sorted(w.Ada, w.Bob), await Match(w, "and", C(w.Secret, "in", new[] { "ABC-123", "XYZ-999" })));
        Assert.Equal(Sorted(w.Cy), await Match(w, "and", C(w.Secret, "nin", new[] { "ABC-123", "XYZ-999" })));
        foreach (var op in new[] { "cnt", "sw", "ew", "is", "nct" })
        {
            Http.AssertError(await w.Http.FilterAsync(w.App, "and", [C(w.Secret, op, "ABC")], status: HttpStatusCode.BadRequest),
                "validation_failed", "query.conditions[0].type");
        }
    }

    [Fact]
    public async Task And_or_narrowing_paging_and_selected_attributes()
    {
        var w = await SeedAsync();
        Assert.Equal(Sorted(w.Ada), await Match(w, "and", C(w.Age, "gte", 18), C(w.Vip, "eq", true)));
        Assert.Equal(Sorted(w.Ada, w.Cy), await Match(w, "or", C(w.Vip, "eq", true), C(w.Age, "lt", 20)));
        Assert.Equal(Sorted(w.Ada), UserIds(await w.Http.FilterAsync(w.App, "and", [C(w.Age, "gte", 18)], extra: new { email = w.AdaEmail })));
        Assert.Empty(UserIds(await w.Http.FilterAsync(w.App, "and", [C(w.Age, "gt", 40)], extra: new { email = w.AdaEmail })));

        var page1 = await w.Http.FilterAsync(w.App, "and", [C(w.Age, "gte", 0)], page: 1, limit: 2);
        var page2 = await w.Http.FilterAsync(w.App, "and", [C(w.Age, "gte", 0)], page: 2, limit: 2);
        Http.AssertNoNulls(page1);
        Assert.Equal(3, page1.GetProperty("page").GetProperty("item_total").GetInt32());
        Assert.True(page1.GetProperty("page").GetProperty("has_next").GetBoolean());
        Assert.Equal(2, page1.GetProperty("items").GetArrayLength());
        Assert.Equal(1, page2.GetProperty("items").GetArrayLength());
        Assert.Equal(3, page2.GetProperty("page").GetProperty("item_total").GetInt32());
        var past = await w.Http.FilterAsync(w.App, "and", [C(w.Age, "gte", 0)], page: 9, limit: 2);
        Assert.Equal(3, past.GetProperty("page").GetProperty("item_total").GetInt32());

        var ada = (await w.Http.FilterAsync(w.App, "and", [C(w.Name, "eq", "Ada Lovelace")])).GetProperty("items")[0];
        Assert.Equal(9, ada.GetProperty("attributes").GetArrayLength());
        Assert.Equal(System.Text.Json.JsonValueKind.String, ada.GetProperty("phone_numbers")[0].GetProperty("country_code").ValueKind);
        var secret = ada.GetProperty("attributes").EnumerateArray().Single(a => a.GetProperty("user_attribute_definition_id").GetString() == w.Secret);
        Assert.Equal("ABC-123", secret.GetProperty("attribute").GetProperty("value").GetString());
        var selected = (await w.Http.FilterAsync(w.App, "and", [C(w.Name, "eq", "Ada Lovelace")], extra: new { definition_ids = new[] { w.Age } }))
            .GetProperty("items")[0];
        Assert.Equal([w.Age], selected.GetProperty("attributes").EnumerateArray().Select(a => a.GetProperty("user_attribute_definition_id").GetString()));
    }

    [Theory]
    [InlineData("age", "cnt", "\"3\"")]
    [InlineData("age", "gt", "\"36\"")]
    [InlineData("name", "gt", "\"A\"")]
    [InlineData("name", "btw", "[\"a\", \"b\"]")]
    [InlineData("vip", "gt", "true")]
    [InlineData("blob", "eq", "{\"a\": 1}")]
    [InlineData("age", "btw", "[40, 18]")]
    [InlineData("age", "in", "36")]
    [InlineData("since", "gt", "\"yesterday\"")]
    [InlineData("name", "xx", "\"a\"")]
    public async Task Operators_or_operands_that_do_not_fit_the_type_are_400(string attribute, string op, string value)
    {
        var w = await SeedAsync();
        var definition = attribute switch { "age" => w.Age, "name" => w.Name, "vip" => w.Vip, "since" => w.Since, _ => w.Blob };
        var body = Http.RawJson($$$"""{"query": {"type": "and", "page": 1, "limit": 10, "conditions": [{"definition_id": "{{{definition}}}", "type": "{{{op}}}", "value": {{{value}}}}]}}""");
        var error = await (await w.Http.PostAsync($"{Http.App(w.App)}/user_attribute/users", body)).ExpectAsync(HttpStatusCode.BadRequest);
        Http.AssertError(error, "validation_failed");
        Assert.Contains(error.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString()!.StartsWith("query.conditions[0]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_applications_definitions_are_unknown_and_its_users_never_match()
    {
        var w = await SeedAsync();
        var other = ApiFixture.NewApplicationId();
        Http.AssertError(await w.Http.FilterAsync(other, "and", [C(w.Age, "gt", 0)], status: HttpStatusCode.BadRequest),
            "validation_failed", "query.conditions[0].definition_id");
        var missing = await w.Http.PostJsonAsync($"{Http.App(w.App)}/user_attribute/users", new { query = new { type = "and", page = 1, limit = 10 } },
            HttpStatusCode.BadRequest);
        Http.AssertError(missing, "validation_failed", "query.conditions");
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteAttributeFilterApiTests(SqliteApiFixture fixture) : AttributeFilterApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoAttributeFilterApiTests(MongoApiFixture fixture) : AttributeFilterApiTests(fixture);
