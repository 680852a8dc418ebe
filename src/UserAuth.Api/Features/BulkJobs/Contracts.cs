using System.Text.Json.Serialization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Attributes;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>
/// CreateStoreFrontUsersPayload (bulkImportStoreFrontUsers). The file is named by <c>relative_url</c> when it is a job
/// file this service holds for the same application (an export, or an earlier import's file), else downloaded from
/// <c>absolute_url</c> under the FileFetch policy (https, public addresses, size/time/row caps). <c>dry_run</c> is an
/// extension older clients do not send.
/// </summary>
internal sealed record CreateStoreFrontUsersPayload
{
    public string? AbsoluteUrl { get; init; }

    public string? RelativeUrl { get; init; }

    /// <summary><c>csv</c> or <c>xlsx</c>.</summary>
    public string? FileFormat { get; init; }

    /// <summary>Validate every row and write the error file, but write no user.</summary>
    public bool? DryRun { get; init; }

    public ImportRequest ToRequest() => new(AbsoluteUrl, RelativeUrl, FileFormat!.Trim().ToLowerInvariant(), DryRun == true);
}

/// <summary>
/// BulkUserExportSchema (createBulkExportUsers): <c>file_format</c>, plus optional filters (extensions older clients do
/// not send): <c>search</c>, <c>status</c>, <c>created_from</c> / <c>created_to</c>, <c>group_id</c> and
/// <c>attribute_filter</c>. The file has one <c>attribute.&lt;slug&gt;</c> column per attribute definition; encrypted
/// values are written in clear only when the caller's token has the scope <c>user:attributes:decrypt</c>, else their
/// cells are empty.
/// </summary>
internal sealed record BulkUserExportSchema
{
    /// <summary><c>csv</c> or <c>xlsx</c>.</summary>
    public string? FileFormat { get; init; }

    /// <summary>Like getCustomers' <c>q</c>: an email or phone matched exactly, else a username / first / last name prefix.</summary>
    public string? Search { get; init; }

    /// <summary><c>active</c>, <c>blocked</c>, <c>deleted</c> or <c>archived</c>; none: active and blocked users.</summary>
    public string? Status { get; init; }

    /// <summary>Users created at or after this instant (ISO-8601).</summary>
    public DateTime? CreatedFrom { get; init; }

    /// <summary>Users created at or before this instant (ISO-8601).</summary>
    public DateTime? CreatedTo { get; init; }

    /// <summary>Only members of this user group (its numeric uid, as in getUserGroupById).</summary>
    public long? GroupId { get; init; }

    /// <summary>Only users whose attributes match these conditions (the operators of filterUsersByAttributes).</summary>
    public ExportAttributeFilter? AttributeFilter { get; init; }

    public ExportFilter ToFilter() => new()
    {
        AttributeMatchAll = AttributeFilter?.Type?.Trim().ToLowerInvariant() != "or",
        AttributeConditions = (AttributeFilter?.Conditions ?? []).Select(c => new StoredAttributeCondition
        {
            DefinitionId = c.DefinitionId?.Trim().ToLowerInvariant() ?? "",
            Operator = c.Type ?? "",
            ValueJson = c.Value.ValueKind == JsonValueKind.Undefined ? "null" : c.Value.GetRawText(),
        }).ToList(),
        Search = string.IsNullOrWhiteSpace(Search) ? null : Search.Trim(),
        Status = string.IsNullOrWhiteSpace(Status) ? null : Status.Trim().ToLowerInvariant(),
        CreatedFrom = CreatedFrom?.ToUniversalTime(),
        CreatedTo = CreatedTo?.ToUniversalTime(),
        GroupId = GroupId,
    };
}

/// <summary>
/// The attribute conditions of an export: <c>type</c> <c>and</c> (default) or <c>or</c>, and up to 20
/// <c>conditions</c> <c>{definition_id, type, value}</c> with the operators of filterUsersByAttributes (<c>eq ne gt lt
/// gte lte cnt nct is nis sw ew btw in nin</c>; encrypted attributes: eq ne in nin).
/// </summary>
internal sealed record ExportAttributeFilter
{
    public string? Type { get; init; }

    public List<UserAttributeFilterRequestConditions>? Conditions { get; init; }
}

/// <summary>The multipart form of the upload endpoint: the file, its format (else taken from its name) and dry_run.</summary>
internal sealed record BulkImportUploadForm
{
    [FromForm(Name = "file")]
    public IFormFile? File { get; init; }

    [FromForm(Name = "file_format")]
    public string? FileFormat { get; init; }

    [FromForm(Name = "dry_run")]
    public bool? DryRun { get; init; }
}

/// <summary>The query of getBulkImportUsersList and getBulkExportUsersList.</summary>
internal sealed record BulkJobListQuery : PagedQuery
{
    /// <summary>A job id, or a part of the file name (case ignored).</summary>
    [FromQuery(Name = "search")]
    public string? Search { get; init; }

    /// <summary>Jobs created at or after this date or instant (ISO-8601).</summary>
    [FromQuery(Name = "start_date")]
    public string? StartDate { get; init; }

    /// <summary>Jobs created at or before this date (the whole day) or instant (ISO-8601).</summary>
    [FromQuery(Name = "end_date")]
    public string? EndDate { get; init; }

    [FromQuery(Name = "status")]
    public string? Status { get; init; }

    [FromQuery(Name = "file_format")]
    public string? FileFormat { get; init; }

    /// <summary>The listing of one action's jobs this query asks for (dates as validated ISO-8601).</summary>
    public BulkJobQuery ToQuery(string action) => new(
        action,
        Blank(Status)?.ToLowerInvariant(),
        Blank(FileFormat)?.ToLowerInvariant(),
        BulkJobValidators.ParseDate(StartDate, endOfDay: false),
        BulkJobValidators.ParseDate(EndDate, endOfDay: true),
        Blank(Search));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>CreatedBySchema: the API client that created the job.</summary>
internal sealed record CreatedBySchema(string Name, string UserId);

/// <summary>BulkActionCountSchema.</summary>
internal sealed record BulkActionCountSchema(long Total, long Success, long Error);

/// <summary>FileLinks: where this service serves a job file to authorised callers.</summary>
internal sealed record FileLinks(string AbsoluteUrl, string RelativeUrl);

/// <summary>BulkActionLinkSchema.</summary>
internal sealed record BulkActionLinkSchema(FileLinks? File, FileLinks? Error);

/// <summary>BulkActionModel.</summary>
internal sealed record BulkActionModel
{
    [JsonPropertyName("_id")]
    public required string Id { get; init; }

    public required string FileName { get; init; }

    public required string FileFormat { get; init; }

    /// <summary><c>import</c> or <c>export</c>.</summary>
    public required string ActionType { get; init; }

    public required CreatedBySchema CreatedBy { get; init; }

    public required BulkActionCountSchema Count { get; init; }

    /// <summary>pending, running, completed, partially_completed or failed.</summary>
    public required string Status { get; init; }

    public required BulkActionLinkSchema Links { get; init; }

    public required string ApplicationId { get; init; }

    public required string CompanyId { get; init; }

    public required string CreatedAt { get; init; }

    public required string UpdatedAt { get; init; }

    /// <summary>Why the job failed (extension).</summary>
    public string? FailureReason { get; init; }

    /// <summary>True for an import that wrote nothing (extension).</summary>
    public bool? DryRun { get; init; }

    /// <param name="job">the job.</param>
    /// <param name="baseUrl">scheme, host and path base of the request, for the absolute links.</param>
    public static BulkActionModel From(BulkJob job, string baseUrl)
    {
        FileLinks Link(string which)
        {
            var relative = JobLinks.RelativeUrl(job, which);
            return new FileLinks(baseUrl + relative, relative);
        }

        var filesKept = !job.FilesRemoved;
        return new BulkActionModel
        {
            Id = job.Id,
            FileName = job.FileName,
            FileFormat = job.FileFormat,
            ActionType = job.ActionType,
            CreatedBy = new CreatedBySchema(job.CreatedBy, job.CreatedBy),
            Count = new BulkActionCountSchema(job.Total, job.Success, job.Error),
            Status = job.Status,
            Links = new BulkActionLinkSchema(
                filesKept && job.HasFile ? Link("file") : null,
                filesKept && job.HasErrorFile ? Link("error") : null),
            ApplicationId = job.ApplicationId,
            CompanyId = job.CompanyId,
            CreatedAt = UtcDateTimeConverter.ToWire(job.CreatedAt),
            UpdatedAt = UtcDateTimeConverter.ToWire(job.UpdatedAt),
            FailureReason = job.FailureReason,
            DryRun = job.ActionType == JobAction.Import ? job.DryRun : null,
        };
    }
}

/// <summary>BulkActionPaginationSchema.</summary>
internal sealed record BulkActionPaginationSchema(IReadOnlyList<BulkActionModel> Items, PageInfo Page);

internal static class JobLinks
{
    /// <summary><c>/service/platform/.../users/jobs/{id}/file</c> or <c>/error</c>.</summary>
    public static string RelativeUrl(BulkJob job, string which) =>
        $"/service/platform/user/v1.0/company/{job.CompanyId}/application/{job.ApplicationId}/users/jobs/{job.Id}/{which}";

    /// <summary>The job and file a relative URL of this service names, if it is one.</summary>
    public static (Tenant Tenant, string JobId, JobFileKind Kind)? Parse(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        var path = url.Trim();
        if (Uri.TryCreate(path, UriKind.Absolute, out var absolute))
        {
            path = absolute.AbsolutePath;
        }

        var parts = path.Trim('/').Split('/');
        // service/platform/user/v1.0/company/{c}/application/{a}/users/jobs/{id}/{file|error}
        if (parts.Length != 12 || parts[0] != "service" || parts[1] != "platform" || parts[2] != "user" || parts[4] != "company" ||
            parts[6] != "application" || parts[8] != "users" || parts[9] != "jobs" || !Ids.IsValid(parts[10]) ||
            parts[11] is not ("file" or "error"))
        {
            return null;
        }

        return (new Tenant(parts[5], parts[7].ToLowerInvariant()), parts[10].ToLowerInvariant(),
            parts[11] == "file" ? JobFileKind.File : JobFileKind.Error);
    }
}
