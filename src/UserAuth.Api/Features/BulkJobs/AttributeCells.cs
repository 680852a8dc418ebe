using System.Text.Json;
using UserAuth.Api.Features.Attributes;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>
/// How an attribute value is written in an <c>attribute.&lt;slug&gt;</c> cell, and read back: a single value of a
/// text-like type (string, email, phone, url, enum, date, datetime) as its text; a number or boolean as its literal;
/// a multi-value attribute or a <c>json</c> one as JSON text (<c>["a","b"]</c>). An empty cell is no value. Reading
/// a written cell gives the same value, so an export imports back unchanged.
/// </summary>
internal static class AttributeCells
{
    /// <summary>The column name of a definition.</summary>
    public static string ColumnOf(string slug) => UserColumns.AttributePrefix + slug;

    public static string ToCell(AttributeDefinition definition, JsonElement value) =>
        !definition.MultiValue && definition.Type != AttributeTypes.Json && value.ValueKind == JsonValueKind.String
            ? value.GetString() ?? ""
            : value.GetRawText();

    /// <summary>
    /// The JSON value a cell stands for, to be checked like an updateUserAttribute value; null (with the reason) when
    /// the cell is not the JSON text a multi-value or json attribute needs.
    /// </summary>
    public static JsonElement? FromCell(AttributeDefinition definition, string cell, out string? reason)
    {
        reason = null;
        if (definition.MultiValue || definition.Type == AttributeTypes.Json)
        {
            try
            {
                using var document = JsonDocument.Parse(cell);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                reason = definition.MultiValue ? "is multi-value: write a JSON list such as [\"a\",\"b\"]" : "is not valid JSON";
                return null;
            }
        }

        if (definition.Type is AttributeTypes.Number or AttributeTypes.Boolean)
        {
            // A number or boolean literal; anything else goes on as text, so the attribute's own check names the problem.
            try
            {
                using var document = JsonDocument.Parse(cell);
                if (document.RootElement.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                {
                    return document.RootElement.Clone();
                }
            }
            catch (JsonException)
            {
                // Not a literal: checked as text below.
            }
        }

        return JsonSerializer.SerializeToElement(cell);
    }
}
