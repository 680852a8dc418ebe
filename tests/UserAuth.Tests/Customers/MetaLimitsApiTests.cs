using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Customers;

/// <summary>
/// Issue 10 item 1: a free-form <c>meta</c> is refused before it is stored unless every answer can carry it; a failure to
/// write an answer is the service's fault (500 with the request id), never a 400 blaming the client.
/// </summary>
public abstract class MetaLimitsApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    private static string CreateBody(string username, string meta) =>
        $"{{\"username\":\"{username}\",\"phone_number\":\"{Build.Phone()}\",\"meta\":{meta}}}";

    [Theory]
    [InlineData(17)]
    [InlineData(30)]
    [InlineData(31)]
    public async Task A_meta_nested_deeper_than_the_limit_is_refused_and_nothing_is_stored(int depth)
    {
        var http = await fixture.ClientAsync();
        var username = Build.Username("deep");

        var refused = await (await http.PostAsync($"{P}/customers", Http.RawJson(CreateBody(username, Nested(depth))),
            TestContext.Current.CancellationToken)).ExpectAsync(HttpStatusCode.BadRequest);

        Http.AssertError(refused, "validation_failed", "meta");
        var list = await http.GetJsonAsync($"{P}/customers/list");
        Assert.Equal(0, list.GetProperty("page").GetProperty("item_total").GetInt32());
        // The username is still free: the refused create stored nothing.
        await (await http.PostAsync($"{P}/customers", Http.RawJson(CreateBody(username, "{}")),
            TestContext.Current.CancellationToken)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_meta_at_the_depth_limit_is_answered_by_create_update_get_list_and_search()
    {
        var http = await fixture.ClientAsync();
        var deepest = Nested(FreeFormJson.MaxDepth);
        var created = await (await http.PostAsync($"{P}/customers", Http.RawJson(CreateBody(Build.Username("deep"), deepest)),
            TestContext.Current.CancellationToken)).ExpectAsync(HttpStatusCode.OK);
        var user = created.GetProperty("user");
        var id = user.GetProperty("_id").GetString();
        var username = user.GetProperty("username").GetString();

        var updated = await (await http.PutAsync($"{P}/customers/{id}", Http.RawJson($"{{\"meta\":{deepest}}}"),
            TestContext.Current.CancellationToken)).ExpectAsync(HttpStatusCode.OK);
        var list = await http.GetJsonAsync($"{P}/customers/list");
        var search = await http.GetJsonAsync($"{P}/customers/search?q={username}");

        Assert.Equal(FreeFormJson.MaxDepth, Depth(updated.GetProperty("user").GetProperty("meta")));
        Assert.Equal(FreeFormJson.MaxDepth, Depth(Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("meta")));
        Assert.Equal(FreeFormJson.MaxDepth, Depth(Assert.Single(search.GetProperty("users").EnumerateArray()).GetProperty("meta")));
    }

    [Fact]
    public async Task A_meta_with_too_many_keys_or_too_many_bytes_is_refused()
    {
        var http = await fixture.ClientAsync();
        var manyKeys = JsonSerializer.Serialize(Enumerable.Range(0, FreeFormJson.MaxProperties + 1).ToDictionary(i => $"k{i}", i => i));
        var nestedKeys = JsonSerializer.Serialize(Enumerable.Range(0, 20).ToDictionary(i => $"g{i}",
            i => Enumerable.Range(0, 20).ToDictionary(j => $"k{j}", j => j)));
        var large = JsonSerializer.Serialize(new { text = new string('x', CustomerRules.MaxMetaBytes) });
        // Fewer characters than the limit, more UTF-8 bytes.
        var multiByte = "{\"text\":\"" + new string('é', CustomerRules.MaxMetaBytes / 2) + "\"}";

        foreach (var meta in new[] { manyKeys, nestedKeys, large, multiByte })
        {
            var refused = await (await http.PostAsync($"{P}/customers", Http.RawJson(CreateBody(Build.Username(), meta)),
                TestContext.Current.CancellationToken)).ExpectAsync(HttpStatusCode.BadRequest);
            Http.AssertError(refused, "validation_failed", "meta");
        }

        Assert.Equal(0, (await http.GetJsonAsync($"{P}/customers/list")).GetProperty("page").GetProperty("item_total").GetInt32());
    }

    [Fact]
    public async Task An_answer_that_cannot_be_written_is_a_500_with_the_request_id_not_a_400()
    {
        // A user stored before the limits existed, with a meta deeper than any answer can carry.
        fixture.RequireStore();
        var tenant = new Tenant("1001", app);
        var user = Build.StoredUser(tenant, Build.Username("legacy"), meta: Nested(40));
        await fixture.Services.GetRequiredService<IUserStore>().InsertAsync(user, TestContext.Current.CancellationToken);
        var http = await fixture.ClientAsync();

        var body = await (await http.GetAsync($"{P}/customers/list", TestContext.Current.CancellationToken))
            .ExpectAsync(HttpStatusCode.InternalServerError);

        Http.AssertError(body, "internal_error");
    }

    private static int Depth(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => 1 + element.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => 1 + element.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteMetaLimitsApiTests(SqliteApiFixture fixture) : MetaLimitsApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoMetaLimitsApiTests(MongoApiFixture fixture) : MetaLimitsApiTests(fixture);
