using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Customers;

/// <summary>getCustomers' query: <c>q</c> (an email or phone matched exactly, else a username / name prefix) and the page.</summary>
internal sealed record GetCustomersQuery : PagedQuery
{
    [FromQuery(Name = "q")]
    public string? Q { get; init; }
}

/// <summary>searchUsers' query: emails or phones in <c>q</c> and in the repeated <c>query</c> parameter.</summary>
internal sealed record SearchUsersQuery
{
    [FromQuery(Name = "q")]
    public string? Q { get; init; }

    [FromQuery(Name = "query")]
    public List<string>? Query { get; init; }

    /// <summary>Every non-blank value of <c>q</c> and <c>query</c>.</summary>
    public IReadOnlyList<string> Terms() =>
        (string.IsNullOrWhiteSpace(Q) ? [] : new[] { Q }).Concat((Query ?? []).Where(t => !string.IsNullOrWhiteSpace(t))).ToList();
}

/// <summary>The profile fields of createUser and updateUser.</summary>
internal interface IProfileFields
{
    string? FirstName { get; }

    string? LastName { get; }

    string? Gender { get; }

    string? ExternalId { get; }

    string? RrId { get; }

    JsonElement? Meta { get; }
}

/// <summary>CreateUserRequestSchema.</summary>
internal sealed record CreateUserRequestSchema : IProfileFields
{
    public string? Username { get; init; }

    public string? PhoneNumber { get; init; }

    public string? Email { get; init; }

    public string? FirstName { get; init; }

    public string? LastName { get; init; }

    public string? Gender { get; init; }

    public string? ExternalId { get; init; }

    public string? RrId { get; init; }

    /// <summary>A JSON object (the later client declares it an object).</summary>
    public JsonElement? Meta { get; init; }

    /// <summary>The command of a request <see cref="CreateUserRequestValidator"/> passed.</summary>
    public CreateUser ToCommand(Identifiers identifiers) => new(
        Username!.Trim(),
        identifiers.ParsePhone(PhoneNumber) ?? throw new InvalidOperationException("createUser's phone_number is validated before it is mapped"),
        Identifiers.NormalizeEmail(Email),
        new ProfileValues(FirstName?.Trim(), LastName?.Trim(), Gender?.Trim(), ExternalId, RrId,
            Meta is { ValueKind: not JsonValueKind.Null } meta ? meta.GetRawText() : "{}"));
}

/// <summary>UpdateUserRequestSchema: only sent fields change; sent lists replace the old ones.</summary>
internal sealed record UpdateUserRequestSchema : IProfileFields
{
    public string? FirstName { get; init; }

    public string? LastName { get; init; }

    public string? Gender { get; init; }

    public string? ExternalId { get; init; }

    public string? RrId { get; init; }

    public JsonElement? Meta { get; init; }

    public List<UserEmails>? Emails { get; init; }

    public List<UserPhoneNumbers>? PhoneNumbers { get; init; }

    /// <summary>The command of a request <see cref="UpdateUserRequestValidator"/> passed: a sent null meta is <c>{}</c>.</summary>
    public UpdateUser ToCommand(Identifiers identifiers) => new(
        new ProfileValues(FirstName?.Trim(), LastName?.Trim(), Gender?.Trim(), ExternalId, RrId,
            Meta is { } meta ? meta.ValueKind == JsonValueKind.Null ? "{}" : meta.GetRawText() : null),
        Emails?.Select(e => new UserEmail
        {
            Email = Identifiers.NormalizeEmail(e.Email)!,
            Primary = e.Primary == true,
            Verified = e.Verified ?? false,
            Active = e.Active ?? true,
        }).ToList(),
        PhoneNumbers?.Select(p =>
        {
            var phone = identifiers.ParsePhone(p.Phone, p.CountryCode)
                        ?? throw new InvalidOperationException("updateUser's phone_numbers are validated before they are mapped");
            return new UserPhone
            {
                CountryCode = phone.CountryCode,
                Phone = phone.NationalNumber,
                Primary = p.Primary == true,
                Verified = p.Verified ?? false,
                Active = p.Active ?? true,
            };
        }).ToList());
}

internal sealed record UserEmails
{
    public string? Email { get; init; }

    public bool? Primary { get; init; }

    public bool? Verified { get; init; }

    public bool? Active { get; init; }
}

internal sealed record UserPhoneNumbers
{
    public string? Phone { get; init; }

    /// <summary>Arrives as a string ("91" or "+91"); a number is accepted too.</summary>
    [JsonConverter(typeof(StringOrNumberConverter))]
    public string? CountryCode { get; init; }

    public bool? Primary { get; init; }

    public bool? Verified { get; init; }

    public bool? Active { get; init; }
}

/// <summary>Email in a user.</summary>
internal sealed record Email(bool Active, bool Primary, bool Verified, string EmailAddress)
{
    [JsonPropertyName("email")]
    public string EmailAddress { get; init; } = EmailAddress;
}

/// <summary>PhoneNumber in a user: <c>country_code</c> is a number.</summary>
internal sealed record PhoneNumber(bool Active, bool Primary, bool Verified, string Phone, int CountryCode);

/// <summary>UserSchema.</summary>
internal sealed record UserSchema
{
    [JsonPropertyName("_id")]
    public required string Id { get; init; }

    public required string UserId { get; init; }

    public required string ApplicationId { get; init; }

    public required string Username { get; init; }

    public string? FirstName { get; init; }

    public string? LastName { get; init; }

    public string? Gender { get; init; }

    public string? Dob { get; init; }

    public string? ExternalId { get; init; }

    public string? RrId { get; init; }

    public required string AccountType { get; init; }

    public string? ProfilePicUrl { get; init; }

    public required bool Active { get; init; }

    public required IReadOnlyList<Email> Emails { get; init; }

    public required IReadOnlyList<PhoneNumber> PhoneNumbers { get; init; }

    public JsonElement? Meta { get; init; }

    public required string CreatedAt { get; init; }

    public required string UpdatedAt { get; init; }

    /// <summary>live, blocked, archived or deleted.</summary>
    public required string Status { get; init; }

    /// <summary>True once archived (UserSearchSchema).</summary>
    public required bool Archive { get; init; }

    /// <summary>When the user was deleted; only on deleted users.</summary>
    public string? DeletedOn { get; init; }

    /// <summary>When a deleted user's data will be erased; only on deleted users.</summary>
    public string? DeleteOn { get; init; }

    [JsonPropertyName("__v")]
    public int Version { get; init; }

    public static UserSchema From(User user) => new()
    {
        Id = user.Id,
        UserId = user.Id,
        ApplicationId = user.ApplicationId,
        Username = user.Username,
        FirstName = user.FirstName,
        LastName = user.LastName,
        Gender = user.Gender,
        Dob = user.Dob is { } dob ? UtcDateTimeConverter.ToWire(dob) : null,
        ExternalId = user.ExternalId,
        RrId = user.RrId,
        AccountType = user.AccountType,
        ProfilePicUrl = user.ProfilePicUrl,
        Active = user.Active && user.State == UserState.Live,
        Emails = user.Emails.Select(e => new Email(e.Active, e.Primary, e.Verified, e.Email)).ToList(),
        PhoneNumbers = user.PhoneNumbers.Select(p => new PhoneNumber(p.Active, p.Primary, p.Verified, p.Phone, p.CountryCode)).ToList(),
        Meta = user.Meta is null ? null : JsonDocument.Parse(user.Meta).RootElement.Clone(),
        CreatedAt = UtcDateTimeConverter.ToWire(user.CreatedAt),
        UpdatedAt = UtcDateTimeConverter.ToWire(user.UpdatedAt),
        Status = user.State == UserState.Live ? (user.Active ? "live" : "blocked") : user.State.ToString().ToLowerInvariant(),
        Archive = user.State == UserState.Archived,
        DeletedOn = user.State == UserState.Deleted && user.DeletedAt is { } at ? UtcDateTimeConverter.ToWire(at) : null,
        DeleteOn = user.State == UserState.Deleted && user.DeleteOn is { } on ? UtcDateTimeConverter.ToWire(on) : null,
        Version = user.Version,
    };
}

/// <summary>CreateUserResponseSchema (also updateUser's answer).</summary>
internal sealed record CreateUserResponseSchema(UserSchema User);

/// <summary>CustomerListResponseSchema.</summary>
internal sealed record CustomerListResponseSchema(IReadOnlyList<UserSchema> Items, PageInfo Page);

/// <summary>UserSearchResponseSchema.</summary>
internal sealed record UserSearchResponseSchema(IReadOnlyList<UserSchema> Users);

/// <summary>Reads a JSON string or number as a string.</summary>
internal sealed class StringOrNumberConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => reader.TryGetInt64(out var n)
                ? n.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : throw new JsonException("expected an integer"),
            JsonTokenType.Null => null,
            _ => throw new JsonException("expected a string or a number"),
        };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
