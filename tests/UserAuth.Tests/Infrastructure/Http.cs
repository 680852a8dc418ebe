using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace UserAuth.Tests.Infrastructure;

/// <summary>Paths and small JSON helpers for the platform routes.</summary>
public static class Http
{
    public static string App(string applicationId, string company = "1001") =>
        $"/service/platform/user/v1.0/company/{company}/application/{applicationId}";

    public static StringContent Json(object body) =>
        new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    public static StringContent RawJson(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>Asserts the status and returns the body, showing the body when the status is wrong.</summary>
    public static async Task<JsonElement> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> PostJsonAsync(this HttpClient http, string path, object body, HttpStatusCode status = HttpStatusCode.OK) =>
        await (await http.PostAsync(path, Json(body))).ExpectAsync(status);

    public static async Task<JsonElement> PutJsonAsync(this HttpClient http, string path, object body, HttpStatusCode status = HttpStatusCode.OK) =>
        await (await http.PutAsync(path, Json(body))).ExpectAsync(status);

    public static async Task<JsonElement> GetJsonAsync(this HttpClient http, string path, HttpStatusCode status = HttpStatusCode.OK) =>
        await (await http.GetAsync(path)).ExpectAsync(status);

    /// <summary>The official client rejects null for typed fields: no null anywhere.</summary>
    public static void AssertNoNulls(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null:
                Assert.Fail("a null value was sent");
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Assert.True(property.Value.ValueKind != JsonValueKind.Null, $"{property.Name} is null");
                    AssertNoNulls(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    AssertNoNulls(item);
                }

                break;
        }
    }

    /// <summary>An error body: message, code, request id, and for a 400 the fields.</summary>
    public static void AssertError(JsonElement body, string code, string? field = null)
    {
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("request_id").GetString()));
        if (field is not null)
        {
            var fields = body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
            Assert.Contains(field, fields);
        }
    }
}
