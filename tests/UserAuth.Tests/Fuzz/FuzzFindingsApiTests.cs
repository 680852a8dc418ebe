using System.Net;
using System.Text;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Fuzz;

/// <summary>
/// The defects <see cref="HostileInputTests"/> found, each pinned by the smallest request that showed it, against each
/// store: an answer with the documented error body, never a 500, and nothing written.
/// </summary>
public abstract class FuzzFindingsApiTests(ApiFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(HttpClient http, string path, byte[] body, string contentType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await http.PostAsync(path, content, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("/user_attribute/definition", "{\"name\":\"a\",\"slug\":\"abc\",\"type\":\"string\"}")]
    [InlineData("/customers", "{\"username\":\"ab\",\"phone_number\":\"9876543210\"}")]
    [InlineData("/user_group", "{\"name\":\"g\",\"description\":\"d\"}")]
    public async Task A_body_that_is_not_text_in_its_declared_charset_is_a_400_not_a_500(string route, string json)
    {
        var http = await fixture.ClientAsync();
        var app = Http.App(ApiFixture.NewApplicationId());
        // UTF-8 bytes declared as UTF-16; an odd length so that the last byte cannot be decoded at all.
        var bytes = Encoding.UTF8.GetBytes(json.Length % 2 == 0 ? json + " " : json);

        var (status, body) = await PostAsync(http, app + route, bytes, "application/json; charset=utf-16");

        Assert.True(status == HttpStatusCode.BadRequest, $"{(int)status}: {body}");
        Http.AssertError(System.Text.Json.JsonDocument.Parse(body).RootElement, "invalid_json");
        var listed = await http.GetJsonAsync($"{app}/customers/list");
        Assert.Empty(listed.GetProperty("items").EnumerateArray());
    }

    public static TheoryData<string, string, string> NullItems => new()
    {
        // Found by the fuzzing suite: a null among the values of updateUserAttributes was a 500.
        { "POST", "/user_attribute/user/{user}", "{\"attributes\":[null]}" },
        // The same pattern (a list of objects validated item by item) in the other validators.
        { "POST", "/user_attribute/users", "{\"query\":{\"type\":\"and\",\"limit\":10,\"page\":1,\"conditions\":[null]}}" },
        { "POST", "/user_group", "{\"name\":\"g\",\"description\":\"d\",\"type\":\"conditional\",\"conditions\":[null]}" },
        { "PATCH", "/user_group/{group}", "{\"type\":\"json\",\"user_data\":[null]}" },
    };

    [Theory]
    [MemberData(nameof(NullItems))]
    public async Task A_null_in_a_list_of_objects_is_a_400_naming_it_not_a_500(string method, string route, string json)
    {
        var http = await fixture.ClientAsync();
        var app = Http.App(ApiFixture.NewApplicationId());
        var user = (await http.PostJsonAsync($"{app}/customers", Build.User())).GetProperty("user").GetProperty("_id").GetString()!;
        var group = (await http.PostJsonAsync($"{app}/user_group", new { name = "g", description = "d" })).GetProperty("uid").GetInt64();
        var path = app + route.Replace("{user}", user, StringComparison.Ordinal)
            .Replace("{group}", group.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Http.RawJson(json) };
        using var response = await http.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Http.AssertError(System.Text.Json.JsonDocument.Parse(body).RootElement, "validation_failed");
        Assert.Contains("must be an object", body, StringComparison.Ordinal);
    }

    /// <summary>Found by the fuzzing suite (seed f3ZZgBprjte1): a form key with an unbalanced bracket was a 500.</summary>
    [Theory]
    [InlineData("[")]
    [InlineData("a[=1&grant_type=client_credentials")]
    [InlineData("grant_type=client_credentials&x[y=2")]
    public async Task A_form_key_with_an_unbalanced_bracket_is_an_answer_not_a_500(string form)
    {
        var http = fixture.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/service/panel/authentication/v1.0/company/{TestClients.Main.CompanyId}/oauth/token")
        {
            Content = new ByteArrayContent(Encoding.ASCII.GetBytes(form)),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestClients.Main.ClientId}:{TestClients.Main.Secret}")));
        using var response = await http.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {body}");
        if (!response.IsSuccessStatusCode)
        {
            Http.AssertError(System.Text.Json.JsonDocument.Parse(body).RootElement, System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("code").GetString()!);
        }

        var user = await fixture.ClientAsync();
        var (status, answer) = await PostAsync(user, Http.App(ApiFixture.NewApplicationId()) + "/customers", Encoding.ASCII.GetBytes(form),
            "application/x-www-form-urlencoded");
        Assert.True(status == HttpStatusCode.UnsupportedMediaType, $"{(int)status}: {answer}");
    }

    /// <summary>Found by the fuzzing suite: bytes that are not UTF-8 inside meta were a 500 (the JSON reader accepts them).</summary>
    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE })]
    [InlineData(new byte[] { 0xC3 })]
    public async Task Meta_with_bytes_that_are_not_UTF8_is_a_400_and_nothing_is_stored(byte[] bad)
    {
        var http = await fixture.ClientAsync();
        var app = Http.App(ApiFixture.NewApplicationId());
        var body = Encoding.UTF8.GetBytes("{\"username\":\"utf\",\"phone_number\":\"9876543210\",\"meta\":{\"a\":\"x").Concat(bad)
            .Concat(Encoding.UTF8.GetBytes("\"}}")).ToArray();

        var (status, answer) = await PostAsync(http, $"{app}/customers", body, "application/json");

        Assert.True(status == HttpStatusCode.BadRequest, $"{(int)status}: {answer}");
        Http.AssertError(System.Text.Json.JsonDocument.Parse(answer).RootElement, "validation_failed");
        Assert.Empty((await http.GetJsonAsync($"{app}/customers/list")).GetProperty("items").EnumerateArray());
    }

    /// <summary>Found by the fuzzing suite: an empty <c>excluding_ids</c> value was a 500.</summary>
    [Fact]
    public async Task An_empty_excluding_ids_value_is_ignored_not_a_500()
    {
        var http = await fixture.ClientAsync();
        var app = Http.App(ApiFixture.NewApplicationId());
        await http.GetJsonAsync($"{app}/user_attribute/definition?excluding_ids=&page_size=10");
        Http.AssertError(await http.GetJsonAsync($"{app}/user_attribute/definition?excluding_ids=&excluding_ids=nope", HttpStatusCode.BadRequest),
            "validation_failed", "excluding_ids");
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteFuzzFindingsApiTests(SqliteApiFixture fixture) : FuzzFindingsApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoFuzzFindingsApiTests(MongoApiFixture fixture) : FuzzFindingsApiTests(fixture);
