using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Attributes;

/// <summary>A value checked and normalised against its definition: its JSON text and what filters search.</summary>
internal sealed record NormalizedValue(string Json, IReadOnlyList<string> Text, IReadOnlyList<double> Numbers,
    IReadOnlyList<string> Canonical);

/// <summary>
/// The rules of definitions (validations that fit the type and each other) and of values (typed, checked against the
/// validations). Shared by the validators, the services and the filter conditions.
/// </summary>
internal static partial class AttributeRules
{
    public const int MaxSlugLength = 64;
    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 1000;
    public const int MaxRegexLength = 500;
    public const int MaxEnumValues = 200;
    public const int MaxValues = 100;
    public const int MaxTextLength = 4000;
    public const int MaxJsonLength = 16_384;

    public static readonly IReadOnlyList<string> ValidationTypes = ["min", "max", "regex", "enum"];

    /// <summary>Regexes run with this time-out (and without backtracking): a hostile value cannot stall a request.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>The stored JSON text of values: compact, characters kept as they are (never embedded in HTML).</summary>
    private static readonly JsonSerializerOptions StoredJson = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly ConcurrentDictionary<string, Regex> Regexes = new(StringComparer.Ordinal);

    public static bool IsSlug(string? slug) => slug is { Length: > 0 and <= MaxSlugLength } && SlugShape().IsMatch(slug);

    /// <summary>
    /// Checks validations against the type and each other; on success <paramref name="canonical"/> holds them in
    /// their stored form. Field names are relative to the body (<c>validations[0].value</c>).
    /// </summary>
    public static List<FieldError> CheckDefinition(string type, IReadOnlyList<(string? Type, JsonElement Value)> validations,
        out List<AttributeValidation> canonical)
    {
        var errors = new List<FieldError>();
        canonical = [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < validations.Count; i++)
        {
            var (kind, value) = validations[i];
            var field = $"validations[{i}]";
            if (kind is null || !ValidationTypes.Contains(kind))
            {
                errors.Add(new FieldError($"{field}.type", $"must be one of {string.Join(", ", ValidationTypes)}"));
                continue;
            }

            if (!seen.Add(kind))
            {
                errors.Add(new FieldError($"{field}.type", $"{kind} is given more than once"));
                continue;
            }

            var reason = CheckValidation(type, kind, value, out var stored);
            if (reason is not null)
            {
                errors.Add(new FieldError($"{field}.value", reason));
                continue;
            }

            canonical.Add(new AttributeValidation { Type = kind, Value = stored! });
        }

        if (errors.Count == 0)
        {
            var min = canonical.FirstOrDefault(v => v.Type == "min");
            var max = canonical.FirstOrDefault(v => v.Type == "max");
            if (min is not null && max is not null && Compare(type, min.Value, max.Value) > 0)
            {
                errors.Add(new FieldError("validations", "min is greater than max"));
            }

            if (type == AttributeTypes.Enum && canonical.All(v => v.Type != "enum"))
            {
                errors.Add(new FieldError("validations", "an enum attribute needs an enum validation listing its values"));
            }
        }

        return errors;
    }

    private static string? CheckValidation(string type, string kind, JsonElement value, out string? stored)
    {
        stored = null;
        switch (kind)
        {
            case "min" or "max":
                if (AttributeTypes.IsText(type) && type != AttributeTypes.Enum)
                {
                    if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var length) || length < 0)
                    {
                        return $"{kind} of a {type} is a length: a whole number of at least 0";
                    }

                    stored = length.ToString(CultureInfo.InvariantCulture);
                    return null;
                }

                if (type == AttributeTypes.Number)
                {
                    if (value.ValueKind != JsonValueKind.Number)
                    {
                        return $"{kind} of a number must be a JSON number";
                    }

                    stored = JsonSerializer.Serialize(value.GetDouble(), StoredJson);
                    return null;
                }

                if (type is AttributeTypes.Date or AttributeTypes.Datetime)
                {
                    var text = value.ValueKind == JsonValueKind.String ? Canonical(type, value.GetString()!) : null;
                    if (text is null)
                    {
                        return type == AttributeTypes.Date ? $"{kind} of a date must be an ISO date (2024-01-31)"
                            : $"{kind} of a datetime must be an ISO-8601 date and time with a zone (2024-01-31T10:00:00Z)";
                    }

                    stored = JsonSerializer.Serialize(text, StoredJson);
                    return null;
                }

                return $"{kind} does not apply to a {type} attribute";
            case "regex":
                if (!AttributeTypes.IsText(type))
                {
                    return $"regex does not apply to a {type} attribute";
                }

                if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 and <= MaxRegexLength } pattern)
                {
                    return $"regex must be a pattern of 1 to {MaxRegexLength} characters";
                }

                if (RegexFor(pattern) is null)
                {
                    return "regex does not compile (or uses back-references or look-arounds, which are not supported)";
                }

                stored = JsonSerializer.Serialize(pattern, StoredJson);
                return null;
            default: // enum
                if (type is not (AttributeTypes.String or AttributeTypes.Enum or AttributeTypes.Number))
                {
                    return $"enum does not apply to a {type} attribute";
                }

                if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > MaxEnumValues)
                {
                    return $"enum must be a list of 1 to {MaxEnumValues} values";
                }

                var items = value.EnumerateArray().ToList();
                if (type == AttributeTypes.Number)
                {
                    if (items.Any(x => x.ValueKind != JsonValueKind.Number))
                    {
                        return "enum of a number attribute must list JSON numbers";
                    }

                    var numbers = items.Select(x => x.GetDouble()).ToList();
                    if (numbers.Distinct().Count() != numbers.Count)
                    {
                        return "enum lists a value twice";
                    }

                    stored = JsonSerializer.Serialize(numbers, StoredJson);
                    return null;
                }

                if (items.Any(x => x.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(x.GetString())
                                   || x.GetString()!.Length > MaxTextLength))
                {
                    return "enum must list non-empty strings";
                }

                var strings = items.Select(x => x.GetString()!).ToList();
                if (strings.Distinct(StringComparer.Ordinal).Count() != strings.Count)
                {
                    return "enum lists a value twice";
                }

                stored = JsonSerializer.Serialize(strings, StoredJson);
                return null;
        }
    }

    /// <summary>The compiled pattern (no backtracking, with a time-out), or null when it does not compile.</summary>
    public static Regex? RegexFor(string pattern)
    {
        if (Regexes.TryGetValue(pattern, out var cached))
        {
            return cached;
        }

        try
        {
            var regex = new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, RegexTimeout);
            if (Regexes.Count < 10_000)
            {
                Regexes[pattern] = regex;
            }

            return regex;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Checks a value (a list for multi-value definitions) against its definition and normalises it. Throws a 400
    /// naming <paramref name="field"/>, the attribute's slug and the rule broken; never echoes the value.
    /// </summary>
    public static NormalizedValue Normalize(AttributeDefinition definition, JsonElement value, Identifiers identifiers, string field)
    {
        var what = $"attribute '{definition.Slug}'";
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            throw new ValidationFailedException(field, $"{what}: a value is required (delete the attribute to remove it)");
        }

        List<JsonElement> elements;
        if (definition.MultiValue)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                throw new ValidationFailedException(field, $"{what} is multi-value: send a list of values");
            }

            elements = value.EnumerateArray().ToList();
            if (elements.Count is 0 or > MaxValues)
            {
                throw new ValidationFailedException(field, $"{what}: a list of 1 to {MaxValues} values");
            }
        }
        else
        {
            if (value.ValueKind == JsonValueKind.Array && definition.Type != AttributeTypes.Json)
            {
                throw new ValidationFailedException(field, $"{what} is not multi-value: send one value, not a list");
            }

            elements = [value];
        }

        var canonical = new List<string>(elements.Count);
        var text = new List<string>();
        var numbers = new List<double>();
        for (var i = 0; i < elements.Count; i++)
        {
            var reason = CheckElement(definition, elements[i], identifiers, out var item);
            if (reason is not null)
            {
                throw new ValidationFailedException(definition.MultiValue ? $"{field}[{i}]" : field, $"{what}: {reason}");
            }

            canonical.Add(item!);
            if (definition.Type == AttributeTypes.Number)
            {
                numbers.Add(double.Parse(item!, CultureInfo.InvariantCulture));
            }
            else if (definition.Type != AttributeTypes.Json)
            {
                text.Add(item!);
            }
        }

        var json = definition.Type switch
        {
            AttributeTypes.Json => definition.MultiValue
                ? "[" + string.Join(",", canonical) + "]"
                : canonical[0],
            AttributeTypes.Number => definition.MultiValue ? JsonSerializer.Serialize(numbers, StoredJson) : JsonSerializer.Serialize(numbers[0], StoredJson),
            AttributeTypes.Boolean => definition.MultiValue
                ? JsonSerializer.Serialize(canonical.Select(bool.Parse).ToList(), StoredJson)
                : JsonSerializer.Serialize(bool.Parse(canonical[0]), StoredJson),
            _ => definition.MultiValue ? JsonSerializer.Serialize(canonical, StoredJson) : JsonSerializer.Serialize(canonical[0], StoredJson),
        };
        return new NormalizedValue(json, text.Distinct(StringComparer.Ordinal).ToList(), numbers.Distinct().ToList(),
            canonical.Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>Checks one element; <paramref name="canonical"/> is its normalised text (JSON text for json).</summary>
    public static string? CheckElement(AttributeDefinition definition, JsonElement element, Identifiers identifiers, out string? canonical)
    {
        canonical = null;
        var type = definition.Type;
        switch (type)
        {
            case AttributeTypes.Json:
                var raw = element.GetRawText();
                if (raw.Length > MaxJsonLength)
                {
                    return $"a json value is at most {MaxJsonLength} characters";
                }

                canonical = JsonSerializer.Serialize(element, StoredJson);
                return null;
            case AttributeTypes.Boolean:
                if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return "must be a JSON boolean (true or false)";
                }

                canonical = element.GetBoolean() ? "true" : "false";
                return null;
            case AttributeTypes.Number:
                if (element.ValueKind != JsonValueKind.Number || !double.IsFinite(element.GetDouble()))
                {
                    return "must be a JSON number (\"42\" is a string)";
                }

                var number = element.GetDouble();
                canonical = number.ToString("R", CultureInfo.InvariantCulture);
                return CheckBounds(definition, canonical);
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            return type switch
            {
                AttributeTypes.Date => "must be an ISO date string (2024-01-31)",
                AttributeTypes.Datetime => "must be an ISO-8601 date and time string",
                _ => $"must be a string",
            };
        }

        var s = element.GetString()!;
        if (s.Length > MaxTextLength)
        {
            return $"is longer than {MaxTextLength} characters";
        }

        switch (type)
        {
            case AttributeTypes.Date or AttributeTypes.Datetime:
                canonical = Canonical(type, s);
                if (canonical is null)
                {
                    return type == AttributeTypes.Date ? "must be an ISO date (2024-01-31)"
                        : "must be an ISO-8601 date and time with a zone (2024-01-31T10:00:00Z)";
                }

                return CheckBounds(definition, canonical);
            case AttributeTypes.Email:
                canonical = Identifiers.NormalizeEmail(s);
                if (canonical is null)
                {
                    return "must be an email address";
                }

                break;
            case AttributeTypes.Phone:
                canonical = identifiers.ParsePhone(s)?.E164;
                if (canonical is null)
                {
                    return "must be a phone number (+91 98765 43210)";
                }

                break;
            case AttributeTypes.Url:
                if (!Uri.TryCreate(s.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    return "must be an absolute http or https URL";
                }

                canonical = s.Trim();
                break;
            default:
                if (s.Length == 0)
                {
                    return "must not be empty";
                }

                canonical = s;
                break;
        }

        return CheckText(definition, canonical);
    }

    private static string? CheckText(AttributeDefinition definition, string value)
    {
        foreach (var validation in definition.Validations)
        {
            using var document = JsonDocument.Parse(validation.Value);
            var rule = document.RootElement;
            switch (validation.Type)
            {
                case "min" when value.Length < rule.GetInt32():
                    return $"breaks min: at least {rule.GetInt32()} characters";
                case "max" when value.Length > rule.GetInt32():
                    return $"breaks max: at most {rule.GetInt32()} characters";
                case "regex":
                    var regex = RegexFor(rule.GetString()!);
                    try
                    {
                        if (regex is null || !regex.IsMatch(value))
                        {
                            return "breaks regex: does not match the pattern";
                        }
                    }
                    catch (RegexMatchTimeoutException)
                    {
                        return "breaks regex: the pattern took too long on this value";
                    }

                    break;
                case "enum" when rule.EnumerateArray().All(x => x.GetString() != value):
                    return "breaks enum: not one of the allowed values";
            }
        }

        return null;
    }

    private static string? CheckBounds(AttributeDefinition definition, string canonical)
    {
        foreach (var validation in definition.Validations)
        {
            switch (validation.Type)
            {
                case "min" when Compare(definition.Type, JsonForm(definition.Type, canonical), validation.Value) < 0:
                    return $"breaks min: below {Shown(validation.Value)}";
                case "max" when Compare(definition.Type, JsonForm(definition.Type, canonical), validation.Value) > 0:
                    return $"breaks max: above {Shown(validation.Value)}";
                case "enum" when definition.Type == AttributeTypes.Number:
                    var n = double.Parse(canonical, CultureInfo.InvariantCulture);
                    using (var document = JsonDocument.Parse(validation.Value))
                    {
                        if (document.RootElement.EnumerateArray().All(x => x.GetDouble() != n))
                        {
                            return "breaks enum: not one of the allowed values";
                        }
                    }

                    break;
            }
        }

        return null;
    }

    private static string Shown(string json) => json.Trim('"');

    private static string JsonForm(string type, string canonical) =>
        type == AttributeTypes.Number ? canonical : JsonSerializer.Serialize(canonical, StoredJson);

    /// <summary>Compares two stored validation values (JSON text) of a type: numbers, or ISO text (sorts as it compares).</summary>
    private static int Compare(string type, string left, string right)
    {
        using var a = JsonDocument.Parse(left);
        using var b = JsonDocument.Parse(right);
        return a.RootElement.ValueKind == JsonValueKind.Number
            ? a.RootElement.GetDouble().CompareTo(b.RootElement.GetDouble())
            : string.CompareOrdinal(a.RootElement.GetString(), b.RootElement.GetString());
    }

    /// <summary>The canonical text of a date (<c>yyyy-MM-dd</c>) or a datetime (UTC, milliseconds), or null.</summary>
    public static string? Canonical(string type, string text)
    {
        if (type == AttributeTypes.Date)
        {
            return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                : null;
        }

        // A datetime names its zone (Z or an offset): a local time would mean different instants to different callers.
        if (text.Length < 20 || !(text.EndsWith('Z') || text[^6] is '+' or '-') ||
            !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            return null;
        }

        return UtcDateTimeConverter.ToWire(instant.UtcDateTime);
    }

    [GeneratedRegex("^[a-z][a-z0-9_-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SlugShape();
}
