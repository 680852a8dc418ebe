using System.Text;
using System.Text.Json;
using FluentValidation;

namespace UserAuth.Api.Common;

/// <summary>
/// Limits of every free-form JSON value the service stores and answers (a user's <c>meta</c>, the platform config's
/// <c>meta</c>, attribute values): whatever passes them can be stored by both stores and written back in every answer,
/// which nests such a value at most 4 levels down under a serializer limit of 32 (ASP.NET Core's default).
/// </summary>
internal static class FreeFormJson
{
    /// <summary>Levels of objects and arrays: <c>{"a":1}</c> is 1, <c>{"a":{"b":[1]}}</c> is 3.</summary>
    public const int MaxDepth = 16;

    /// <summary>Object keys and array items counted over the whole value.</summary>
    public const int MaxProperties = 256;

    /// <summary>What is wrong with <paramref name="value"/>, or null when it is within the limits.</summary>
    public static string? Check(JsonElement value, int maxBytes)
    {
        try
        {
            return CheckText(value, maxBytes);
        }
        catch (InvalidOperationException)
        {
            // A string or key whose bytes are not UTF-8, or an escaped lone surrogate: the reader accepts both and
            // fails only when the text is read (when it is stored or answered).
            return "must be valid UTF-8 text (no invalid bytes, no lone surrogates)";
        }
    }

    private static string? CheckText(JsonElement value, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(value.GetRawText()) > maxBytes)
        {
            return $"must be at most {maxBytes} bytes of JSON";
        }

        var members = 0;
        var depth = Walk(value, 0, ref members);
        if (depth > MaxDepth)
        {
            return $"must be nested at most {MaxDepth} levels deep";
        }

        return members > MaxProperties ? $"must hold at most {MaxProperties} keys and array items in all" : null;
    }

    /// <summary>A JSON object (or null) within the limits; <paramref name="maxBytes"/> is the UTF-8 size of its text.</summary>
    public static IRuleBuilderOptionsConditions<T, JsonElement?> FreeFormObject<T>(this IRuleBuilder<T, JsonElement?> rule, int maxBytes) =>
        rule.Custom((value, context) =>
        {
            if (value is not { ValueKind: not JsonValueKind.Null } json)
            {
                return;
            }

            var problem = json.ValueKind == JsonValueKind.Object ? Check(json, maxBytes) : "must be a JSON object";
            if (problem is not null)
            {
                context.AddFailure(problem);
            }
        });

    private static int Walk(JsonElement element, int depth, ref int members)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var deepest = depth + 1;
                foreach (var property in element.EnumerateObject())
                {
                    members++;
                    _ = property.Name;
                    deepest = Math.Max(deepest, Walk(property.Value, depth + 1, ref members));
                }

                return deepest;
            case JsonValueKind.Array:
                var deepestItem = depth + 1;
                foreach (var item in element.EnumerateArray())
                {
                    members++;
                    deepestItem = Math.Max(deepestItem, Walk(item, depth + 1, ref members));
                }

                return deepestItem;
            case JsonValueKind.String:
                _ = element.GetString();
                return depth;
            default:
                return depth;
        }
    }
}
