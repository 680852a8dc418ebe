namespace UserAuth.Api.Features.Groups;

/// <summary>The kinds of group (<c>type</c>): members named by a file or JSON entries, or users matching conditions.</summary>
internal static class GroupTypes
{
    /// <summary>Members named by rows of a CSV file (<c>file_url</c>) or by <c>user_data</c> entries.</summary>
    public const string Bulk = "bulk";

    /// <summary>Members are the live users whose attribute values match every condition, evaluated when read.</summary>
    public const string Conditional = "conditional";

    public static readonly IReadOnlyList<string> All = [Bulk, Conditional];
}

/// <summary>Where a group is in processing: <c>pending</c> (queued), <c>processing</c>, <c>completed</c>, <c>failed</c>.</summary>
internal static class GroupStatuses
{
    public const string Pending = "pending";
    public const string Processing = "processing";
    public const string Completed = "completed";
    public const string Failed = "failed";

    public static readonly IReadOnlyList<string> All = [Pending, Processing, Completed, Failed];

    public static bool IsBusy(string status) => status is Pending or Processing;
}

/// <summary>The input of a bulk group's run: a file to fetch or JSON entries.</summary>
internal static class RunSources
{
    public const string File = "file_url";
    public const string Json = "json";
}

/// <summary>A user group of one application (not a wire contract).</summary>
internal sealed class UserGroup
{
    public string Id { get; set; } = "";

    public string CompanyId { get; set; } = "";

    public string ApplicationId { get; set; } = "";

    /// <summary>Per application, allotted in increasing order, never reused; the id in paths.</summary>
    public long Uid { get; set; }

    public string Name { get; set; } = "";

    public string NameLc { get; set; } = "";

    public string Description { get; set; } = "";

    public string Type { get; set; } = GroupTypes.Bulk;

    public bool IsActive { get; set; } = true;

    public string Status { get; set; } = GroupStatuses.Completed;

    /// <summary>The last file given (bulk groups).</summary>
    public string? FileUrl { get; set; }

    /// <summary>Conditional groups: every condition must match.</summary>
    public List<GroupCondition> Conditions { get; set; } = [];

    /// <summary>The run being processed (null when none ever was); its id is also its error report's id.</summary>
    public string? RunId { get; set; }

    /// <summary><see cref="RunSources"/> of the current run.</summary>
    public string? RunSource { get; set; }

    /// <summary>The JSON entries of a queued <see cref="RunSources.Json"/> run; cleared when it ends.</summary>
    public List<UserDataEntry> PendingUserData { get; set; } = [];

    /// <summary>Bad rows of the last finished run.</summary>
    public long ErrorCount { get; set; }

    /// <summary>The error report of the last finished run with bad rows.</summary>
    public string? ErrorReportId { get; set; }

    /// <summary>Why the last run failed (status <c>failed</c>).</summary>
    public string? FailureReason { get; set; }

    /// <summary>Incremented by every change; writes are conditional on it.</summary>
    public int Version { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ModifiedAt { get; set; }
}

/// <summary>One condition of a conditional group: an attribute definition, an operator and its operand.</summary>
internal sealed class GroupCondition
{
    public string UserAttributeDefinitionId { get; set; } = "";

    /// <summary>The operator, as in attribute filtering: eq ne gt lt gte lte cnt nct is nis sw ew btw in nin.</summary>
    public string Type { get; set; } = "";

    /// <summary>The operand as JSON text (a string, number, or array for in / nin / btw).</summary>
    public string Value { get; set; } = "";
}

/// <summary>One JSON entry (<c>user_data</c>): <c>add</c> or <c>remove</c> the user named by one identifier.</summary>
internal sealed class UserDataEntry
{
    public string Action { get; set; } = "";

    public string? UserId { get; set; }

    public string? Email { get; set; }

    public string? PhoneNumber { get; set; }
}

/// <summary>Filters of getUserGroups.</summary>
internal sealed record GroupFilter(string? NameContains, string? Type, string? Status, long? Uid);

/// <summary>A new group: createUserGroup after validation.</summary>
internal sealed record NewGroup(string Name, string Description, string Type, string? FileUrl, IReadOnlyList<GroupCondition> Conditions);

/// <summary>
/// A change of a group: updateUserGroup (details, a new file, new conditions) or updateUserGroupPartially (details, a
/// file or JSON entries). Null fields stay as they are.
/// </summary>
internal sealed record GroupChange(
    string? Name,
    string? Description,
    string? Type,
    string? FileUrl,
    IReadOnlyList<GroupCondition>? Conditions,
    IReadOnlyList<UserDataEntry>? UserData);
