using System.Net;
using System.Text.Json;
using UserAuth.Tests.Attributes;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Groups.GroupTestSupport;

namespace UserAuth.Tests.Groups;

/// <summary>Groups from conditions over attribute definitions, evaluated when read, against each store.</summary>
public abstract class ConditionalGroupsApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private static long Uid(JsonElement group) => group.GetProperty("uid").GetInt64();

    private static object Condition(string definitionId, string op, object value) =>
        new { user_attribute_definition_id = definitionId, type = op, value };

    [Fact]
    public async Task Members_follow_attribute_values_and_user_states_at_once()
    {
        var http = await fixture.ClientAsync();
        var tier = AttributeApi.Id(await http.DefineAsync(app, "string"));
        var age = AttributeApi.Id(await http.DefineAsync(app, "number"));
        var gold30 = (await http.NewCustomerAsync(app)).Id;
        var gold20 = (await http.NewCustomerAsync(app)).Id;
        var silver40 = (await http.NewCustomerAsync(app)).Id;
        var gold50 = (await http.NewCustomerAsync(app)).Id;
        foreach (var (user, t, a) in new[] { (gold30, "gold", 30), (gold20, "gold", 20), (silver40, "silver", 40), (gold50, "gold", 50) })
        {
            await http.SetAsync(app, tier, user, t);
            await http.SetAsync(app, age, user, a);
        }

        // The reference's client sends every value as a string: "30" for a number attribute.
        var group = await http.PostJsonAsync($"{P}/user_group", new
        {
            name = "Gold, 30 and over", description = "d", type = "conditional",
            conditions = new[] { Condition(tier, "eq", "gold"), Condition(age, "gte", "30") },
        });
        Assert.Equal("conditional", group.GetProperty("type").GetString());
        Assert.Equal("completed", group.GetProperty("status").GetString());
        var conditions = group.GetProperty("conditions").EnumerateArray().ToList();
        Assert.Equal("gold", conditions[0].GetProperty("value").GetString());
        Assert.Equal("30", conditions[1].GetProperty("value").GetString());
        Assert.Equal(age, conditions[1].GetProperty("user_attribute_definition_id").GetString());
        Http.AssertNoNulls(group);
        var uid = Uid(group);
        Assert.Equal(new[] { gold30, gold50 }.Order(), await MembersAsync(http, P, uid));

        // An attribute change, a removed value, an archive and a deletion show at the next read.
        await http.SetAsync(app, age, gold20, 31);
        await http.SetAsync(app, tier, gold50, "silver");
        Assert.Equal(new[] { gold30, gold20 }.Order(), await MembersAsync(http, P, uid));
        await http.DeleteJsonAsync(AttributeApi.Value(app, age, gold20));
        Assert.Equal([gold30], await MembersAsync(http, P, uid));
        await http.SetAsync(app, age, gold20, 31);
        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = gold30 });
        Assert.Equal([gold20], await MembersAsync(http, P, uid));
        await (await http.DeleteAsync($"{P}/customers/{gold20}?reason=test")).ExpectAsync(HttpStatusCode.OK);
        Assert.Empty(await MembersAsync(http, P, uid));
        await http.PutJsonAsync($"{P}/customers/undelete", new { user_id = gold20, reason = "back" });
        Assert.Equal([gold20], await MembersAsync(http, P, uid));
        Assert.Equal([uid], await GroupsOfAsync(http, P, gold20));
        Assert.Empty(await GroupsOfAsync(http, P, silver40));

        // New conditions replace the old ones.
        var updated = await http.PutJsonAsync($"{P}/user_group/{uid}", new { conditions = new[] { Condition(tier, "in", "silver, bronze") } });
        Assert.Equal("silver,bronze", updated.GetProperty("conditions")[0].GetProperty("value").GetString());
        Assert.Equal(new[] { silver40, gold50 }.Order(), await MembersAsync(http, P, uid));
    }

    [Fact]
    public async Task A_user_is_listed_in_bulk_and_conditional_groups_alike()
    {
        var http = await fixture.ClientAsync();
        var tier = AttributeApi.Id(await http.DefineAsync(app, "string"));
        var user = (await http.NewCustomerAsync(app)).Id;
        await http.SetAsync(app, tier, user, "gold");
        var bulk = Uid(await http.PostJsonAsync($"{P}/user_group", new { name = "bulk", description = "d" }));
        await (await http.PatchAsync($"{P}/user_group/{bulk}", Http.Json(new { type = "json", user_data = new[] { new { action = "add", user_id = user } } })))
            .ExpectAsync(HttpStatusCode.OK);
        await WaitDoneAsync(http, P, bulk);
        var gold = Uid(await http.PostJsonAsync($"{P}/user_group", new { name = "gold", description = "d", conditions = new[] { Condition(tier, "eq", "gold") } }));
        var silver = Uid(await http.PostJsonAsync($"{P}/user_group", new { name = "silver", description = "d", conditions = new[] { Condition(tier, "eq", "silver") } }));
        Assert.Equal(new[] { bulk, gold }, await GroupsOfAsync(http, P, user));
        Assert.Equal(1, (await http.GetJsonAsync($"{P}/user_group?type=conditional&name=SIL")).GetProperty("page").GetProperty("item_total").GetInt64());
        Assert.Empty(await MembersAsync(http, P, silver));
    }

    [Fact]
    public async Task Conditions_are_checked_against_the_definitions_like_attribute_filtering()
    {
        var http = await fixture.ClientAsync();
        var age = AttributeApi.Id(await http.DefineAsync(app, "number"));
        var body = await http.PostJsonAsync($"{P}/user_group", new
        {
            name = "n", description = "d",
            conditions = new[] { Condition(ApiFixture.NewApplicationId(), "eq", "x"), Condition(age, "cnt", "3"), Condition(age, "gt", "old") },
        }, HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "conditions[0].definition_id");
        Http.AssertError(body, "validation_failed", "conditions[1].type");
        Http.AssertError(body, "validation_failed", "conditions[2].value");

        body = await http.PostJsonAsync($"{P}/user_group", new { name = "n", description = "d", type = "conditional" }, HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "conditions");
        body = await http.PostJsonAsync($"{P}/user_group", new
        {
            name = "n", description = "d", file_url = "https://files.example.com/a.csv", conditions = new[] { Condition(age, "gt", "1") },
        }, HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "file_url");
        Assert.Empty((await http.GetJsonAsync($"{P}/user_group")).GetProperty("items").EnumerateArray());

        var uid = Uid(await http.PostJsonAsync($"{P}/user_group", new { name = "n", description = "d", conditions = new[] { Condition(age, "btw", "1,5") } }));
        body = await (await http.PatchAsync($"{P}/user_group/{uid}", Http.Json(new { type = "json", user_data = new[] { new { action = "add", email = "a@example.com" } } })))
            .ExpectAsync(HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "user_data");

        // A deleted definition: the group matches nobody (and says so without an error).
        await http.DeleteJsonAsync($"{AttributeApi.Definitions(app)}/{age}");
        Assert.Empty(await MembersAsync(http, P, uid));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteConditionalGroupsApiTests(SqliteApiFixture fixture) : ConditionalGroupsApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoConditionalGroupsApiTests(MongoApiFixture fixture) : ConditionalGroupsApiTests(fixture);
