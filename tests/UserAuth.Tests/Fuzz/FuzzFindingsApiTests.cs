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
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteFuzzFindingsApiTests(SqliteApiFixture fixture) : FuzzFindingsApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoFuzzFindingsApiTests(MongoApiFixture fixture) : FuzzFindingsApiTests(fixture);
