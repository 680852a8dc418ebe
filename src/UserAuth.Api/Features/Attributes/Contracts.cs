using System.Text.Json;
using System.Text.Json.Serialization;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Attributes;

/// <summary>UserAttributeDefinitionValidation: <c>{type, value}</c> with type min, max, regex or enum.</summary>
internal sealed record UserAttributeDefinitionValidation
{
    public string? Type { get; init; }

    public JsonElement Value { get; init; }
}

/// <summary>
/// CreateUserAttributeDefinition (also the body of updateUserAttributeDefinition, where absent fields stay as they
/// are). <c>is_multi_value</c> is the later client's name of <c>multi_value</c>; <c>is_locked</c> is not in the
/// client's model but accepted.
/// </summary>
internal record CreateUserAttributeDefinition
{
    public string? Name { get; init; }

    public string? Slug { get; init; }

    public string? Description { get; init; }

    public string? Type { get; init; }

    public bool? MultiValue { get; init; }

    public bool? IsMultiValue { get; init; }

    public bool? CustomerEditable { get; init; }

    public bool? Encrypted { get; init; }

    public bool? Pinned { get; init; }

    public int? PinOrder { get; init; }

    public string? DefaultValue { get; init; }

    public IReadOnlyList<UserAttributeDefinitionValidation>? Validations { get; init; }

    public bool? IsLocked { get; init; }

    [JsonIgnore]
    public bool? Multi => MultiValue ?? IsMultiValue;
}

/// <summary>UserAttributeDefinitionResponse (also UserAttributeDefinition: get, update and list items).</summary>
internal sealed record UserAttributeDefinitionResponse
{
    [JsonPropertyName("_id")]
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Slug { get; init; }

    public string? Description { get; init; }

    public required string ApplicationId { get; init; }

    public required string Type { get; init; }

    public required bool MultiValue { get; init; }

    /// <summary>The later client's name of <c>multi_value</c>.</summary>
    public required bool IsMultiValue { get; init; }

    public required bool CustomerEditable { get; init; }

    public required bool Encrypted { get; init; }

    public required bool Pinned { get; init; }

    public int? PinOrder { get; init; }

    public string? DefaultValue { get; init; }

    public required IReadOnlyList<UserAttributeDefinitionValidation> Validations { get; init; }

    public required bool IsLocked { get; init; }

    public required string CreatedBy { get; init; }

    public required string UpdatedBy { get; init; }

    public required string CreatedAt { get; init; }

    public required string ModifiedAt { get; init; }

    [JsonPropertyName("__v")]
    public required int Version { get; init; }

    public static UserAttributeDefinitionResponse From(AttributeDefinition d) => new()
    {
        Id = d.Id,
        Name = d.Name,
        Slug = d.Slug,
        Description = d.Description,
        ApplicationId = d.ApplicationId,
        Type = d.Type,
        MultiValue = d.MultiValue,
        IsMultiValue = d.MultiValue,
        CustomerEditable = d.CustomerEditable,
        Encrypted = d.Encrypted,
        Pinned = d.Pinned,
        PinOrder = d.PinOrder,
        DefaultValue = d.DefaultValue,
        Validations = d.Validations.Select(v => new UserAttributeDefinitionValidation
        {
            Type = v.Type,
            Value = JsonDocument.Parse(v.Value).RootElement.Clone(),
        }).ToList(),
        IsLocked = d.IsLocked,
        CreatedBy = d.CreatedBy,
        UpdatedBy = d.UpdatedBy,
        CreatedAt = UtcDateTimeConverter.ToWire(d.CreatedAt),
        ModifiedAt = UtcDateTimeConverter.ToWire(d.ModifiedAt),
        Version = d.Version,
    };
}

/// <summary>getUserAttributesForUser's query: the page.</summary>
internal sealed record UserAttributesQuery : PagedQuery;

/// <summary>getUserAttributeDefinitions: <c>{items, page}</c>.</summary>
internal sealed record UserAttributeDefinitionList(IReadOnlyList<UserAttributeDefinitionResponse> Items, PageInfo Page);

/// <summary>The query of getUserAttributeDefinitions.</summary>
internal sealed record UserAttributeDefinitionQuery : PagedQuery
{
    /// <summary>Ids to leave out: comma-separated and/or repeated.</summary>
    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "excluding_ids")]
    public string[]? ExcludingIds { get; init; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "slug")]
    public string? Slug { get; init; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "type")]
    public string? Type { get; init; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "customer_editable")]
    public bool? CustomerEditable { get; init; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "encrypted")]
    public bool? Encrypted { get; init; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "pinned")]
    public bool? Pinned { get; init; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "pin_order")]
    public int? PinOrder { get; init; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "is_locked")]
    public bool? IsLocked { get; init; }

    /// <summary>Case-insensitive "contains" on the name.</summary>
    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "name")]
    public string? Name { get; init; }

    public IReadOnlyList<string> ExcludedIds() =>
        (ExcludingIds ?? []).OfType<string>().SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        .Select(x => x.ToLowerInvariant()).Distinct().ToList();
}

/// <summary>
/// CreateUserAttributeRequest: the value travels as <c>attribute: {"value": ...}</c> (a list for multi-value
/// definitions). <c>customer_overridden</c> is the later client's spelling of <c>customer_overriden</c>.
/// </summary>
internal sealed record CreateUserAttributeRequest
{
    public JsonElement Attribute { get; init; }

    public bool? CustomerOverriden { get; init; }

    public bool? CustomerOverridden { get; init; }
}

/// <summary>
/// UserAttributeResponse / UserAttribute: the value, decrypted, in <c>attribute.value</c>.
/// <c>customer_overriden</c> and <c>customer_overridden</c> carry the same flag for both clients.
/// </summary>
internal sealed record UserAttributeResponse
{
    [JsonPropertyName("_id")]
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Slug { get; init; }

    public required string UserId { get; init; }

    public required string ApplicationId { get; init; }

    public required string UserAttributeDefinitionId { get; init; }

    public required string Type { get; init; }

    public required bool CustomerOverriden { get; init; }

    public required bool CustomerOverridden { get; init; }

    public required UserAttributeValueBox Attribute { get; init; }

    public required string UpdatedBy { get; init; }

    public required string CreatedAt { get; init; }

    public required string UpdatedAt { get; init; }

    public static UserAttributeResponse From(UserAttributeValue v) => new()
    {
        Id = v.Stored.Id,
        Name = v.Definition.Name,
        Slug = v.Definition.Slug,
        UserId = v.Stored.UserId,
        ApplicationId = v.Stored.ApplicationId,
        UserAttributeDefinitionId = v.Stored.DefinitionId,
        Type = v.Definition.Type,
        CustomerOverriden = v.Stored.CustomerOverridden,
        CustomerOverridden = v.Stored.CustomerOverridden,
        Attribute = new UserAttributeValueBox(v.Value),
        UpdatedBy = v.Stored.UpdatedBy,
        CreatedAt = UtcDateTimeConverter.ToWire(v.Stored.CreatedAt),
        UpdatedAt = UtcDateTimeConverter.ToWire(v.Stored.UpdatedAt),
    };
}

/// <summary><c>{"value": ...}</c>.</summary>
internal sealed record UserAttributeValueBox(JsonElement Value);

/// <summary>getUserAttributesForUser: <c>{items, page}</c>.</summary>
internal sealed record UserAttributeList(IReadOnlyList<UserAttributeResponse> Items, PageInfo Page);

/// <summary>SuccessMessageResponse (3.4.2: SuccessMessage): <c>success</c> is a message string.</summary>
internal sealed record SuccessMessageResponse(string Success);

/// <summary>BulkUserAttributeRequestBody.</summary>
internal sealed record BulkUserAttributeRequestBody
{
    public string? DefinitionId { get; init; }

    public JsonElement Value { get; init; }
}

/// <summary>CreateBulkUserAttribute: several values of one user, all or nothing.</summary>
internal sealed record CreateBulkUserAttribute
{
    public IReadOnlyList<BulkUserAttributeRequestBody>? Attributes { get; init; }
}

/// <summary>BulkUserAttribute.</summary>
internal sealed record BulkUserAttribute(bool Success, IReadOnlyList<UserAttributeResponse> Attributes);

/// <summary>DeleteBulkUserAttribute.</summary>
internal sealed record DeleteBulkUserAttribute
{
    public IReadOnlyList<string>? DefinitionIds { get; init; }
}

/// <summary>UserAttributeFilterRequestConditions: <c>{definition_id, type (operator), value}</c>.</summary>
internal sealed record UserAttributeFilterRequestConditions
{
    public string? DefinitionId { get; init; }

    public string? Type { get; init; }

    public JsonElement Value { get; init; }
}

/// <summary>UserAttributeFilterQuery.</summary>
internal sealed record UserAttributeFilterQuery
{
    /// <summary><c>and</c> or <c>or</c>.</summary>
    public string? Type { get; init; }

    public int? Limit { get; init; }

    public int? Page { get; init; }

    public string? Email { get; init; }

    public string? Phone { get; init; }

    public IReadOnlyList<string>? DefinitionIds { get; init; }

    public IReadOnlyList<UserAttributeFilterRequestConditions>? Conditions { get; init; }

    /// <summary>The query of a request <see cref="UserAttributeFilterQueryValidator"/> passed.</summary>
    public UsersByAttributes ToQuery() => new(
        Type == "and",
        (Conditions ?? []).Select(c => new AttributeCondition(c.DefinitionId ?? "", c.Type ?? "", c.Value)).ToList(),
        Email,
        Phone,
        DefinitionIds,
        new PageRequest(Page!.Value, Limit!.Value));
}

/// <summary>UserAttributeFilter: <c>{query}</c>.</summary>
internal sealed record UserAttributeFilter
{
    public UserAttributeFilterQuery? Query { get; init; }
}

/// <summary>UserPhoneNumbers of the later client: <c>country_code</c> is a string there.</summary>
internal sealed record FilteredPhoneNumber(bool Active, bool Primary, bool Verified, string Phone, string CountryCode);

/// <summary>FilteredEmail.</summary>
internal sealed record FilteredEmail(bool Active, bool Primary, bool Verified, string Email);

/// <summary>UserAttributeFilteredList: a user with its attributes.</summary>
internal sealed record UserAttributeFilteredList
{
    [JsonPropertyName("_id")]
    public required string Id { get; init; }

    public required string UserId { get; init; }

    public required string ApplicationId { get; init; }

    public required string Username { get; init; }

    public string? FirstName { get; init; }

    public string? LastName { get; init; }

    public string? Gender { get; init; }

    public required string AccountType { get; init; }

    public string? ProfilePicUrl { get; init; }

    public required bool Active { get; init; }

    public required bool Archive { get; init; }

    public required string Status { get; init; }

    public required IReadOnlyList<FilteredPhoneNumber> PhoneNumbers { get; init; }

    public required IReadOnlyList<FilteredEmail> Emails { get; init; }

    public required IReadOnlyList<UserAttributeResponse> Attributes { get; init; }

    public required string CreatedAt { get; init; }

    public required string UpdatedAt { get; init; }

    public static UserAttributeFilteredList From(User user, IEnumerable<UserAttributeValue> attributes) => new()
    {
        Id = user.Id,
        UserId = user.Id,
        ApplicationId = user.ApplicationId,
        Username = user.Username,
        FirstName = user.FirstName,
        LastName = user.LastName,
        Gender = user.Gender,
        AccountType = user.AccountType,
        ProfilePicUrl = user.ProfilePicUrl,
        Active = user.Active,
        Archive = false,
        Status = user.Active ? "live" : "blocked",
        PhoneNumbers = user.PhoneNumbers.Select(p => new FilteredPhoneNumber(p.Active, p.Primary, p.Verified, p.Phone,
            p.CountryCode.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList(),
        Emails = user.Emails.Select(e => new FilteredEmail(e.Active, e.Primary, e.Verified, e.Email)).ToList(),
        Attributes = attributes.Select(UserAttributeResponse.From).ToList(),
        CreatedAt = UtcDateTimeConverter.ToWire(user.CreatedAt),
        UpdatedAt = UtcDateTimeConverter.ToWire(user.UpdatedAt),
    };
}

/// <summary>UserAttributeFiltered: <c>{items, page}</c>.</summary>
internal sealed record UserAttributeFiltered(IReadOnlyList<UserAttributeFilteredList> Items, PageInfo Page);

/// <summary>The answer of the re-encryption command.</summary>
internal sealed record AttributeReencryptionResult(string ActiveKeyId, long Reencrypted, long Remaining);

/// <summary>The body of updateUserAttributeDefinition: CreateUserAttributeDefinition, every field optional.</summary>
internal sealed record UpdateUserAttributeDefinition : CreateUserAttributeDefinition;
