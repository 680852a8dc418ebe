using System.Text.Json;
using System.Text.Json.Serialization;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Groups;

/// <summary>ConditionsSchema: one condition of a conditional group.</summary>
internal sealed record ConditionsSchema
{
    /// <summary>The operator: eq ne gt lt gte lte cnt nct is nis sw ew btw in nin (as in attribute filtering).</summary>
    public string? Type { get; init; }

    public string? UserAttributeDefinitionId { get; init; }

    /// <summary>The operand: a string (the client's model), or a number or list; for in / nin / btw a string is split on commas.</summary>
    public JsonElement? Value { get; init; }
}

/// <summary>CreateUserGroup.</summary>
internal sealed record CreateUserGroup
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary><c>bulk</c> (members from <c>file_url</c> and later <c>user_data</c>; the default) or <c>conditional</c>.</summary>
    public string? Type { get; init; }

    /// <summary>A CSV file with an <c>action</c> column (add / remove) and one of <c>user_id</c>, <c>email</c>, <c>phone_number</c>.</summary>
    public string? FileUrl { get; init; }

    public List<ConditionsSchema>? Conditions { get; init; }
}

/// <summary>UpdateUserGroupSchema: only the sent fields change.</summary>
internal sealed record UpdateUserGroupSchema
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>The group's type, if sent, must be its current one.</summary>
    public string? Type { get; init; }

    /// <summary>Bulk groups: a new file to apply (the group goes back to <c>pending</c>).</summary>
    public string? FileUrl { get; init; }

    /// <summary>Conditional groups: the new conditions (replace the old ones).</summary>
    public List<ConditionsSchema>? Conditions { get; init; }
}

/// <summary>UserGroupUpdateData: one JSON entry.</summary>
internal sealed record UserGroupUpdateData
{
    /// <summary><c>add</c> or <c>remove</c>.</summary>
    public string? Action { get; init; }

    public string? UserId { get; init; }

    public string? Email { get; init; }

    public string? PhoneNumber { get; init; }
}

/// <summary>PartialUserGroupUpdateSchema.</summary>
internal sealed record PartialUserGroupUpdateSchema
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Source of the member changes: <c>file_url</c> (the default) or <c>json</c>.</summary>
    public string? Type { get; init; }

    public string? FileUrl { get; init; }

    public List<UserGroupUpdateData>? UserData { get; init; }
}

/// <summary>Conditions: a condition as answered.</summary>
internal sealed record Conditions(string UserAttributeDefinitionId, string Type, string Value)
{
    /// <summary>The operand as the reference's string: a list as <c>a,b</c>, a number or boolean as its text.</summary>
    public static Conditions From(GroupCondition condition)
    {
        using var document = JsonDocument.Parse(condition.Value);
        return new Conditions(condition.UserAttributeDefinitionId, condition.Type, Text(document.RootElement));
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Array => string.Join(",", value.EnumerateArray().Select(Text)),
        _ => value.GetRawText(),
    };
}

/// <summary>UserResponseErrorSchema: the bad rows of the last run and where their report is; <c>reason</c> when the run failed.</summary>
internal sealed record UserResponseErrorSchema(long Count, string? FileUrl, string? Reason);

/// <summary>UserGroupResponseSchema.</summary>
internal sealed record UserGroupResponseSchema
{
    [JsonPropertyName("_id")]
    public required string Id { get; init; }

    public required long Uid { get; init; }

    public required string Name { get; init; }

    public required string Description { get; init; }

    public required string ApplicationId { get; init; }

    public required string Status { get; init; }

    public required bool IsActive { get; init; }

    public required string Type { get; init; }

    public string? FileUrl { get; init; }

    public List<Conditions>? Conditions { get; init; }

    public UserResponseErrorSchema? Error { get; init; }

    public required string CreatedAt { get; init; }

    public required string ModifiedAt { get; init; }

    [JsonPropertyName("__v")]
    public required int V { get; init; }

    public static UserGroupResponseSchema From(UserGroup group, Func<string, string> reportUrl) => new()
    {
        Id = group.Id,
        Uid = group.Uid,
        Name = group.Name,
        Description = group.Description,
        ApplicationId = group.ApplicationId,
        Status = group.Status,
        IsActive = group.IsActive,
        Type = group.Type,
        FileUrl = group.FileUrl,
        Conditions = group.Type == GroupTypes.Conditional ? group.Conditions.Select(Groups.Conditions.From).ToList() : null,
        Error = group.ErrorCount > 0 || group.FailureReason is not null
            ? new UserResponseErrorSchema(group.ErrorCount, group.ErrorReportId is { } id ? reportUrl(id) : null, group.FailureReason)
            : null,
        CreatedAt = UtcDateTimeConverter.ToWire(group.CreatedAt),
        ModifiedAt = UtcDateTimeConverter.ToWire(group.ModifiedAt),
        V = group.Version,
    };
}

/// <summary>UserGroupListResponseSchema.</summary>
internal sealed record UserGroupListResponseSchema(List<UserGroupResponseSchema> Items, PageInfo Page);

/// <summary>One member of a group.</summary>
internal sealed record UserGroupMember(string UserId);

/// <summary>The members of a group (live users only), by user id.</summary>
internal sealed record UserGroupMembersResponse(List<UserGroupMember> Items, PageInfo Page);

/// <summary>getUserGroups' query string.</summary>
internal sealed record UserGroupsQuery : PagedQuery
{
    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "name")]
    public string? Name { get; init; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "type")]
    public string? Type { get; init; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "status")]
    public string? Status { get; init; }

    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "group_uid")]
    public long? GroupUid { get; init; }
}

/// <summary>A page of a membership listing.</summary>
internal sealed record MembershipQuery : PagedQuery;
