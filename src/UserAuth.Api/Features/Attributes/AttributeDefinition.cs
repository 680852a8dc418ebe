namespace UserAuth.Api.Features.Attributes;

/// <summary>The value types a definition can have.</summary>
internal static class AttributeTypes
{
    public const string String = "string";
    public const string Number = "number";
    public const string Boolean = "boolean";
    public const string Date = "date";
    public const string Datetime = "datetime";
    public const string Email = "email";
    public const string Phone = "phone";
    public const string Url = "url";
    public const string Enum = "enum";
    public const string Json = "json";

    public static readonly IReadOnlyList<string> All = [String, Number, Boolean, Date, Datetime, Email, Phone, Url, Enum, Json];

    /// <summary>Types whose values are strings compared as text (length limits, regex, contains).</summary>
    public static bool IsText(string type) => type is String or Email or Phone or Url or Enum;

    /// <summary>Types ordered by value (min/max, gt/lt, btw).</summary>
    public static bool IsOrdered(string type) => type is Number or Date or Datetime;
}

/// <summary>One validation of a definition: <c>min</c>, <c>max</c>, <c>regex</c> or <c>enum</c>, its value as JSON text.</summary>
internal sealed class AttributeValidation
{
    public string Type { get; set; } = "";

    /// <summary>The canonical value as JSON text: a number, a string (regex, dates) or an array (enum).</summary>
    public string Value { get; set; } = "null";
}

/// <summary>A typed attribute an application defines for its customers (not a wire contract).</summary>
internal sealed class AttributeDefinition
{
    public string Id { get; set; } = "";

    public string CompanyId { get; set; } = "";

    public string ApplicationId { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>Unique per application.</summary>
    public string Slug { get; set; } = "";

    public string? Description { get; set; }

    public string Type { get; set; } = AttributeTypes.String;

    public bool MultiValue { get; set; }

    public bool CustomerEditable { get; set; }

    /// <summary>Values are stored encrypted (AES-GCM) with a keyed hash for equality search.</summary>
    public bool Encrypted { get; set; }

    public bool Pinned { get; set; }

    public int? PinOrder { get; set; }

    public string? DefaultValue { get; set; }

    public List<AttributeValidation> Validations { get; set; } = [];

    /// <summary>A locked definition cannot be changed (except unlocked) or deleted.</summary>
    public bool IsLocked { get; set; }

    public string CreatedBy { get; set; } = "";

    public string UpdatedBy { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime ModifiedAt { get; set; }

    /// <summary>Incremented by every change; writes are conditional on it.</summary>
    public int Version { get; set; }
}

/// <summary>
/// One user's value of one definition, as stored. A plain value is kept as JSON text in <see cref="Value"/>; an
/// encrypted one only as <see cref="Cipher"/> under <see cref="KeyId"/>. The terms are what filters search: text
/// terms (strings, dates as ISO text, booleans), number terms, and for encrypted values only keyed hashes.
/// </summary>
internal sealed class UserAttribute
{
    public string Id { get; set; } = "";

    public string CompanyId { get; set; } = "";

    public string ApplicationId { get; set; } = "";

    public string DefinitionId { get; set; } = "";

    public string UserId { get; set; } = "";

    /// <summary>The definition's type when the value was written.</summary>
    public string Type { get; set; } = "";

    /// <summary>The typed value (a list for multi-value definitions) as JSON text; null when encrypted.</summary>
    public string? Value { get; set; }

    /// <summary>The encrypted JSON text (see <see cref="AttributeCipher"/>); null when not encrypted.</summary>
    public string? Cipher { get; set; }

    /// <summary>The id of the key <see cref="Cipher"/> is encrypted with.</summary>
    public string? KeyId { get; set; }

    public List<string> TextTerms { get; set; } = [];

    public List<double> NumberTerms { get; set; } = [];

    public List<string> HashTerms { get; set; } = [];

    public bool CustomerOverridden { get; set; }

    public string UpdatedBy { get; set; } = "";

    /// <summary>True while the user is not live (deleted, restorable): hidden from every read and filter.</summary>
    public bool Hidden { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>A user attribute with its plain value, as the service hands it out.</summary>
internal sealed record UserAttributeValue(UserAttribute Stored, AttributeDefinition Definition, System.Text.Json.JsonElement Value);

/// <summary>
/// What updateUserAttribute(s) can change of a user, to tell which fields a write changed: the plain values and the
/// customer_overridden flags, by definition id.
/// </summary>
internal sealed record WrittenValues(
    SortedDictionary<string, System.Text.Json.JsonElement> Attributes,
    SortedDictionary<string, bool> CustomerOverridden)
{
    public static WrittenValues Of(IEnumerable<UserAttributeValue> values)
    {
        var list = values.ToList();
        return new WrittenValues(new(list.ToDictionary(v => v.Definition.Id, v => v.Value), StringComparer.Ordinal),
            new(list.ToDictionary(v => v.Definition.Id, v => v.Stored.CustomerOverridden), StringComparer.Ordinal));
    }
}
