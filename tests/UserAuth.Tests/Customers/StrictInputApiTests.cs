using System.Net;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Customers;

/// <summary>Issue 10 item 6: values that are not plausible are refused, not stored as sent or quietly changed.</summary>
public abstract class StrictInputApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    [Theory]
    [InlineData("first_name", "a\n")]
    [InlineData("first_name", "\u0000")]
    [InlineData("last_name", "Ma\tne")]
    [InlineData("gender", "male\r")]
    [InlineData("external_id", "x\u001b[31m")]
    public async Task Control_characters_in_text_fields_are_refused_on_create_and_update(string field, string value)
    {
        var http = await fixture.ClientAsync();
        var body = Build.User();
        body[field] = value;

        var refused = await http.PostJsonAsync($"{Http.App(app)}/customers", body, HttpStatusCode.BadRequest);
        Http.AssertError(refused, "validation_failed", field);
        var id = (await http.NewCustomerAsync(app, Build.User())).Id;
        var update = await http.PutJsonAsync($"{Http.App(app)}/customers/{id}", new Dictionary<string, string> { [field] = value },
            HttpStatusCode.BadRequest);
        Http.AssertError(update, "validation_failed", field);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("localhost")]
    [InlineData("169.254.169.254")]
    [InlineData("10.0.0.1")]
    [InlineData("shop.example.123")]
    [InlineData("-shop.example.com")]
    public async Task A_session_domain_must_be_a_plausible_public_host_name(string domain)
    {
        var http = await fixture.ClientAsync();
        var user = (await http.NewCustomerAsync(app)).Id;

        var refused = await http.PostJsonAsync($"{Http.App(app)}/customers/session", new { user_id = user, domain },
            HttpStatusCode.BadRequest);

        Http.AssertError(refused, "validation_failed", "domain");
        await http.PostJsonAsync($"{Http.App(app)}/customers/session", new { user_id = user, domain = "shop.xn--p1ai" });
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteStrictInputApiTests(SqliteApiFixture fixture) : StrictInputApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoStrictInputApiTests(MongoApiFixture fixture) : StrictInputApiTests(fixture);
