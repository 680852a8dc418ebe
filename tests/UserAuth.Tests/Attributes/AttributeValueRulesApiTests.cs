using System.Net;
using System.Text.Json;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Attributes.AttributeApi;

namespace UserAuth.Tests.Attributes;

/// <summary>
/// Values through HTTP, against each store: which field an error names in single and batch writes, the
/// customer_overridden flag, bulk deletes naming unknown definitions, not-found answers, and filtering by email or
/// phone alone.
/// </summary>
public abstract class AttributeValueRulesApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private Task<JsonElement> BatchAsync(HttpClient http, string userId, object[] attributes, HttpStatusCode status = HttpStatusCode.OK) =>
        http.PostJsonAsync($"{P}/user_attribute/user/{userId}", new { attributes }, status);

    [Fact]
    public async Task A_batch_of_one_names_its_errors_by_index_and_a_single_write_by_attribute_value()
    {
        var http = await fixture.ClientAsync();
        var number = Id(await http.DefineAsync(app, "number"));
        var user = (await http.NewCustomerAsync(app)).Id;
        var unknown = ApiFixture.NewApplicationId();

        Http.AssertError(await BatchAsync(http, user, [new { definition_id = number, value = "many" }], HttpStatusCode.BadRequest),
            "validation_failed", "attributes[0].value");
        var missing = await BatchAsync(http, user, [new { definition_id = unknown, value = 1 }], HttpStatusCode.BadRequest);
        Http.AssertError(missing, "validation_failed", "attributes[0].definition_id");
        Assert.Equal("is not an attribute definition of this application", missing.GetProperty("errors")[0].GetProperty("reason").GetString());
        var other = Id(await http.DefineAsync(app, "number"));
        Http.AssertError(await BatchAsync(http, user, [new { definition_id = other, value = 1 }, new { definition_id = number, value = "x" }],
            HttpStatusCode.BadRequest), "validation_failed", "attributes[1].value");

        Http.AssertError(await http.SetAsync(app, number, user, "many", HttpStatusCode.BadRequest), "validation_failed", "attribute.value");
        Http.AssertError(await http.SetAsync(app, unknown, user, 1, HttpStatusCode.NotFound), "attribute_definition_not_found");
        Assert.Equal(0, (await http.GetJsonAsync($"{P}/user_attribute/user/{user}")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Customer_overridden_is_false_unless_sent()
    {
        var http = await fixture.ClientAsync();
        var definition = Id(await http.DefineAsync(app, "string"));
        var user = (await http.NewCustomerAsync(app)).Id;

        var plain = await http.SetAsync(app, definition, user, "a");
        Assert.False(plain.GetProperty("customer_overridden").GetBoolean());
        Assert.False(plain.GetProperty("customer_overriden").GetBoolean());
        var overridden = await http.PutJsonAsync(Value(app, definition, user), new { attribute = new { value = "b" }, customer_overridden = true });
        Assert.True(overridden.GetProperty("customer_overridden").GetBoolean());
        var batch = await BatchAsync(http, user, [new { definition_id = definition, value = "c" }]);
        Assert.False(batch.GetProperty("attributes")[0].GetProperty("customer_overridden").GetBoolean());
    }

    [Fact]
    public async Task A_bulk_delete_naming_an_unknown_definition_is_404_naming_it_and_deletes_nothing()
    {
        var http = await fixture.ClientAsync();
        var definition = Id(await http.DefineAsync(app, "string"));
        var user = (await http.NewCustomerAsync(app)).Id;
        await http.SetAsync(app, definition, user, "kept");
        var unknown = ApiFixture.NewApplicationId();

        var body = await http.DeleteJsonAsync($"{P}/user_attribute/user/{user}", new { definition_ids = new[] { definition, unknown } },
            HttpStatusCode.NotFound);

        Http.AssertError(body, "attribute_definition_not_found", "definition_ids");
        Assert.Equal($"{unknown} is not an attribute definition of this application", body.GetProperty("errors")[0].GetProperty("reason").GetString());
        Assert.Equal("kept", (await http.GetJsonAsync(Value(app, definition, user))).GetProperty("attribute").GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_value_never_written_is_404_user_attribute_not_found()
    {
        var http = await fixture.ClientAsync();
        var definition = Id(await http.DefineAsync(app, "string"));
        var user = (await http.NewCustomerAsync(app)).Id;

        var body = await http.GetJsonAsync(Value(app, definition, user), HttpStatusCode.NotFound);
        Http.AssertError(body, "user_attribute_not_found");
        Assert.Equal("User attribute not found.", body.GetProperty("message").GetString());
        Http.AssertError(await http.GetJsonAsync($"{P}/user_attribute/attribute/{ApiFixture.NewApplicationId()}", HttpStatusCode.NotFound),
            "user_attribute_not_found");
    }

    [Fact]
    public async Task Filtering_by_email_or_phone_alone_finds_the_live_user_holding_them()
    {
        var http = await fixture.ClientAsync();
        var tier = Id(await http.DefineAsync(app, "string"));
        var ada = await http.NewCustomerAsync(app);
        var bob = await http.NewCustomerAsync(app);
        await http.SetAsync(app, tier, ada.Id, "gold");

        var byEmail = await FilterAsync(http, new { email = ada.Email.ToUpperInvariant() });
        Assert.Equal([ada.Id], UserIds(byEmail));
        Assert.Equal(1, byEmail.GetProperty("page").GetProperty("item_total").GetInt32());
        Assert.Equal("gold", byEmail.GetProperty("items")[0].GetProperty("attributes")[0].GetProperty("attribute").GetProperty("value").GetString());
        Assert.Equal([bob.Id], UserIds(await FilterAsync(http, new { phone = "+91" + bob.Phone })));
        Assert.Equal([ada.Id], UserIds(await FilterAsync(http, new { email = ada.Email, phone = "+91" + ada.Phone })));
        // A blank phone beside an email is not a phone.
        Assert.Equal([ada.Id], UserIds(await FilterAsync(http, new { email = ada.Email, phone = "   " })));

        // Both given: one user must hold both.
        var mixed = await FilterAsync(http, new { email = ada.Email, phone = "+91" + bob.Phone });
        Assert.Empty(mixed.GetProperty("items").EnumerateArray());
        Assert.Equal(0, mixed.GetProperty("page").GetProperty("item_total").GetInt32());
        // Past the last page: nothing, with the total.
        var past = await FilterAsync(http, new { email = ada.Email }, page: 2);
        Assert.Empty(past.GetProperty("items").EnumerateArray());
        Assert.Equal(1, past.GetProperty("page").GetProperty("item_total").GetInt32());

        // A deleted user still holds the email but is not live: not found, not counted.
        await (await http.DeleteAsync($"{P}/customers/{bob.Id}?reason=bye")).ExpectAsync(HttpStatusCode.OK);
        var deleted = await FilterAsync(http, new { phone = "+91" + bob.Phone });
        Assert.Empty(deleted.GetProperty("items").EnumerateArray());
        Assert.Equal(0, deleted.GetProperty("page").GetProperty("item_total").GetInt32());
    }

    [Fact]
    public async Task Filtering_needs_a_condition_or_a_real_email_or_phone()
    {
        var http = await fixture.ClientAsync();
        var none = await FilterAsync(http, new { phone = "   " }, HttpStatusCode.BadRequest);
        Http.AssertError(none, "validation_failed", "query.conditions");
        Assert.Equal("give at least one condition, or an email or phone", none.GetProperty("errors")[0].GetProperty("reason").GetString());
        var email = await FilterAsync(http, new { email = "not-an-email" }, HttpStatusCode.BadRequest);
        Http.AssertError(email, "validation_failed", "query.email");
        Assert.Equal("is not an email address", email.GetProperty("errors")[0].GetProperty("reason").GetString());
        var phone = await FilterAsync(http, new { phone = "12" }, HttpStatusCode.BadRequest);
        Http.AssertError(phone, "validation_failed", "query.phone");
        Assert.Equal("is not a phone number", phone.GetProperty("errors")[0].GetProperty("reason").GetString());
    }

    /// <summary>filterUsersByAttributes with an empty list of conditions.</summary>
    private async Task<JsonElement> FilterAsync(HttpClient http, object identifiers, HttpStatusCode status = HttpStatusCode.OK, int page = 1)
    {
        var query = new Dictionary<string, object?> { ["type"] = "and", ["page"] = page, ["limit"] = 10, ["conditions"] = Array.Empty<object>() };
        foreach (var property in JsonSerializer.SerializeToElement(identifiers).EnumerateObject())
        {
            query[property.Name] = property.Value;
        }

        return await http.PostJsonAsync($"{P}/user_attribute/users", new { query }, status);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteAttributeValueRulesApiTests(SqliteApiFixture fixture) : AttributeValueRulesApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoAttributeValueRulesApiTests(MongoApiFixture fixture) : AttributeValueRulesApiTests(fixture);
