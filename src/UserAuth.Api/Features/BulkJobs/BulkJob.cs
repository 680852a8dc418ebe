namespace UserAuth.Api.Features.BulkJobs;

/// <summary>Where a job is: <c>pending → running → completed | partially_completed | failed</c>.</summary>
internal static class JobStatus
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string PartiallyCompleted = "partially_completed";
    public const string Failed = "failed";

    public static readonly IReadOnlyList<string> All = [Pending, Running, Completed, PartiallyCompleted, Failed];

    public static bool IsFinished(string status) => status is Completed or PartiallyCompleted or Failed;
}

internal static class JobAction
{
    public const string Import = "import";
    public const string Export = "export";
}

internal static class JobFileFormat
{
    public const string Csv = "csv";
    public const string Xlsx = "xlsx";

    public static readonly IReadOnlyList<string> All = [Csv, Xlsx];
}

/// <summary>Which customers an export writes; all optional. Evaluated against the snapshot taken at the job's start.</summary>
internal sealed class ExportFilter
{
    /// <summary>Like getCustomers' <c>q</c>: an email or phone matched exactly, else a username / first / last name prefix.</summary>
    public string? Search { get; set; }

    /// <summary><c>active</c>, <c>blocked</c>, <c>deleted</c>, <c>archived</c>; none: live users (active and blocked).</summary>
    public string? Status { get; set; }

    public DateTime? CreatedFrom { get; set; }

    public DateTime? CreatedTo { get; set; }

    /// <summary>Only members of this user group (its numeric uid), as membership is when each page is read.</summary>
    public long? GroupId { get; set; }

    /// <summary>Attribute conditions joined by and (true) or or (false); checked by the Attributes feature's query.</summary>
    public bool AttributeMatchAll { get; set; } = true;

    /// <summary>Attribute conditions (as filterUsersByAttributes takes them); empty: no attribute filter.</summary>
    public List<StoredAttributeCondition> AttributeConditions { get; set; } = [];
}

/// <summary>An attribute condition as a job keeps it: the definition, the operator and the operand as JSON text.</summary>
internal sealed class StoredAttributeCondition
{
    public string DefinitionId { get; set; } = "";

    public string Operator { get; set; } = "";

    public string ValueJson { get; set; } = "null";
}

/// <summary>One <c>attribute.&lt;slug&gt;</c> column of an export, fixed when the job is created.</summary>
internal sealed class AttributeColumn
{
    public string DefinitionId { get; set; } = "";

    public string Slug { get; set; } = "";
}

/// <summary>What an import starts from: a file this service keeps (a job's link) or a URL to download.</summary>
internal sealed record ImportRequest(string? AbsoluteUrl, string? RelativeUrl, string FileFormat, bool DryRun);

/// <summary>
/// A bulk import or export of customers, run in the background by the shared work queue (not a wire contract). The
/// checkpoint fields are written together with the counts after every committed batch, so a run that dies resumes
/// exactly there.
/// </summary>
internal sealed class BulkJob
{
    public string Id { get; set; } = "";

    public string CompanyId { get; set; } = "";

    public string ApplicationId { get; set; } = "";

    /// <summary><see cref="JobAction"/>.</summary>
    public string ActionType { get; set; } = "";

    /// <summary><see cref="JobFileFormat"/>.</summary>
    public string FileFormat { get; set; } = "";

    public string FileName { get; set; } = "";

    /// <summary><see cref="JobStatus"/>.</summary>
    public string Status { get; set; } = JobStatus.Pending;

    /// <summary>Why a job failed; safe to show the caller.</summary>
    public string? FailureReason { get; set; }

    /// <summary>The API client that created the job.</summary>
    public string CreatedBy { get; set; } = "";

    public long Total { get; set; }

    public long Success { get; set; }

    public long Error { get; set; }

    /// <summary>An import that validates everything and writes the error file, but no user.</summary>
    public bool DryRun { get; set; }

    /// <summary>An import whose file is still to be downloaded from this URL (under the FileFetch policy).</summary>
    public string? SourceUrl { get; set; }

    public ExportFilter? Filter { get; set; }

    /// <summary>Exports: the attribute columns after the base ones, one per definition at the job's creation, by slug.</summary>
    public List<AttributeColumn> AttributeColumns { get; set; } = [];

    /// <summary>
    /// Exports: encrypted attribute values are written in clear (the creator's token had
    /// <see cref="Auth.Scopes.DecryptAttributes"/>); otherwise their columns are left empty.
    /// </summary>
    public bool DecryptAttributes { get; set; }

    /// <summary>Exports: only users created at or before this instant are written (the snapshot rule).</summary>
    public DateTime? SnapshotAt { get; set; }

    /// <summary>The job's file exists: the import's source, the export's result.</summary>
    public bool HasFile { get; set; }

    public bool HasErrorFile { get; set; }

    /// <summary>Data rows consumed and committed (imports) or written (exports).</summary>
    public long RowsDone { get; set; }

    /// <summary>Length of the error file at the last checkpoint; a resumed run cuts it back to this.</summary>
    public long ErrorFileLength { get; set; }

    /// <summary>Length of the export's (CSV) output at the last checkpoint.</summary>
    public long OutputFileLength { get; set; }

    /// <summary>Exports: the last written user's (created_at, id), the keyset cursor.</summary>
    public DateTime? CursorCreatedAt { get; set; }

    public string? CursorId { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    /// <summary>When the background pass removes the job's files; null once removed (or while running).</summary>
    public DateTime? FilesExpireAt { get; set; }

    public bool FilesRemoved { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>Incremented by every write; writes are conditional on it (a run's checkpoints, the file sweep).</summary>
    public int Version { get; set; }
}
