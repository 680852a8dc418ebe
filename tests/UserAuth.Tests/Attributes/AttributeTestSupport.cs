using System.Net;
using System.Text.Json;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Attributes;

/// <summary>Calls of the attribute routes for tests.</summary>
internal static class AttributeApi
{
    public static string Definitions(string app) => $"{Http.App(app)}/user_attribute/definition";

    public static string Value(string app, string definitionId, string userId) =>
        $"{Http.App(app)}/user_attribute/definition/{definitionId}/user/{userId}";

    public static async Task<JsonElement> DefineAsync(this HttpClient http, string app, string type, object? extra = null,
        HttpStatusCode status = HttpStatusCode.OK)
    {
        var body = new Dictionary<string, object?>
        {
            ["name"] = $"Attribute {type}",
            ["slug"] = $"{type}_{Guid.NewGuid().ToString("N")[..8]}",
            ["type"] = type,
        };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        return await http.PostJsonAsync(Definitions(app), body, status);
    }

    public static string Id(JsonElement element) => element.GetProperty("_id").GetString()!;

    /// <summary>Kept for tests written before the shared builders: use <see cref="TestUsers"/>.</summary>
    public static async Task<string> NewUserAsync(this HttpClient http, string app) => (await http.NewCustomerAsync(app)).Id;

    public static Task<JsonElement> SetAsync(this HttpClient http, string app, string definitionId, string userId, object? value,
        HttpStatusCode status = HttpStatusCode.OK) =>
        http.PutJsonAsync(Value(app, definitionId, userId), new { attribute = new { value } }, status);

    public static async Task<JsonElement> DeleteJsonAsync(this HttpClient http, string path, object? body = null,
        HttpStatusCode status = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, path);
        if (body is not null)
        {
            request.Content = Http.Json(body);
        }

        return await (await http.SendAsync(request)).ExpectAsync(status);
    }

    public static async Task<JsonElement> FilterAsync(this HttpClient http, string app, string join, object[] conditions,
        int page = 1, int limit = 50, HttpStatusCode status = HttpStatusCode.OK, object? extra = null)
    {
        var query = new Dictionary<string, object?> { ["type"] = join, ["page"] = page, ["limit"] = limit, ["conditions"] = conditions };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra).EnumerateObject())
            {
                query[property.Name] = property.Value;
            }
        }

        return await http.PostJsonAsync($"{Http.App(app)}/user_attribute/users", new { query }, status);
    }

    public static List<string> UserIds(JsonElement filtered) =>
        filtered.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("_id").GetString()!).Order(StringComparer.Ordinal).ToList();
}
