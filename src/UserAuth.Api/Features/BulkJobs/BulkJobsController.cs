using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Features.BulkJobs;

[Tags("Bulk jobs")]
internal sealed class BulkJobsController(BulkJobService jobs) : PlatformController
{
    /// <summary>
    /// bulkImportStoreFrontUsers: import customers from a CSV or XLSX file, named by a job's links (a file this service
    /// keeps) or by an https absolute_url it downloads. Rows are validated like createUser; bad rows go to the error
    /// file. dry_run validates only.
    /// </summary>
    [HttpPost("users/jobs/import")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(BulkActionModel), StatusCodes.Status200OK)]
    public async Task<BulkActionModel> BulkImportStoreFrontUsers([FromBody] CreateStoreFrontUsersPayload body,
        CancellationToken cancellationToken) =>
        Model(await jobs.CreateImportAsync(Tenant, Actor, body.ToRequest(), cancellationToken));

    /// <summary>
    /// Import customers from an uploaded file (multipart/form-data: <c>file</c>, optional <c>file_format</c> csv|xlsx,
    /// optional <c>dry_run</c>). An extension for dashboards that hold the file; answers like bulkImportStoreFrontUsers.
    /// </summary>
    [HttpPost("users/jobs/import/upload")]
    [EndpointName("uploadBulkImportUsers")]
    [Authorize(Policy = Scopes.Write)]
    [Consumes("multipart/form-data")]
    [ServiceFilter(typeof(UploadLimitFilter))]
    [ProducesResponseType(typeof(BulkActionModel), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status413PayloadTooLarge)]
    public async Task<BulkActionModel> UploadImport([FromForm] BulkImportUploadForm form, CancellationToken cancellationToken)
    {
        await using var content = form.File!.OpenReadStream();
        return Model(await jobs.CreateUploadImportAsync(Tenant, Actor, content, form.File.FileName, form.FileFormat, form.DryRun == true,
            cancellationToken));
    }

    /// <summary>
    /// createBulkExportUsers: export the application's customers (as they are when the job is created) to CSV or XLSX;
    /// optional filters search, status, created_from, created_to, group_id, attribute_filter. Columns: the base ones,
    /// then one <c>attribute.&lt;slug&gt;</c> per attribute definition (by slug). Encrypted attribute values are written
    /// in clear only when the token has the scope <c>user:attributes:decrypt</c> (never granted by default; a client
    /// must be configured with it); otherwise those cells are left empty.
    /// </summary>
    [HttpPost("users/jobs/export")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(BulkActionModel), StatusCodes.Status200OK)]
    public async Task<BulkActionModel> CreateBulkExportUsers([FromBody] BulkUserExportSchema body, CancellationToken cancellationToken) =>
        Model(await jobs.CreateExportAsync(Tenant, Actor, body.FileFormat!, body.ToFilter(), User.HasScope(Scopes.DecryptAttributes),
            cancellationToken));

    /// <summary>getBulkImportUsersList: import jobs, newest first, filtered by status, dates, file_format and search.</summary>
    [HttpGet("users/jobs/import")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(BulkActionPaginationSchema), StatusCodes.Status200OK)]
    public Task<BulkActionPaginationSchema> GetBulkImportUsersList([FromQuery] BulkJobListQuery query, CancellationToken cancellationToken) =>
        ListAsync(JobAction.Import, query, cancellationToken);

    /// <summary>getBulkExportUsersList: export jobs, newest first, filtered by status, dates, file_format and search.</summary>
    [HttpGet("users/jobs/export")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(BulkActionPaginationSchema), StatusCodes.Status200OK)]
    public Task<BulkActionPaginationSchema> GetBulkExportUsersList([FromQuery] BulkJobListQuery query, CancellationToken cancellationToken) =>
        ListAsync(JobAction.Export, query, cancellationToken);

    /// <summary>getUsersJobByJobId: one import or export job with its progress counts and links.</summary>
    [HttpGet("users/jobs/{job_id}")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(BulkActionModel), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<BulkActionModel> GetUsersJobByJobId([FromRoute(Name = "job_id")] string jobId, CancellationToken cancellationToken) =>
        Model(await jobs.GetAsync(Tenant, jobId, cancellationToken));

    /// <summary>A job's file (links.file): an import's source or an export's result.</summary>
    [HttpGet("users/jobs/{job_id}/file")]
    [EndpointName("getUsersJobFile")]
    [Authorize(Policy = Scopes.Read)]
    [Produces("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/json")]
    [ProducesResponseType(typeof(FileResult), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public Task<FileStreamResult> GetJobFile([FromRoute(Name = "job_id")] string jobId, CancellationToken cancellationToken) =>
        FileAsync(jobId, JobFileKind.File, cancellationToken);

    /// <summary>A job's error file (links.error): CSV of the rejected rows (row number, the row's cells, the reason).</summary>
    [HttpGet("users/jobs/{job_id}/error")]
    [EndpointName("getUsersJobErrorFile")]
    [Authorize(Policy = Scopes.Read)]
    [Produces("text/csv", "application/json")]
    [ProducesResponseType(typeof(FileResult), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public Task<FileStreamResult> GetJobErrorFile([FromRoute(Name = "job_id")] string jobId, CancellationToken cancellationToken) =>
        FileAsync(jobId, JobFileKind.Error, cancellationToken);

    private string BaseUrl => $"{Request.Scheme}://{Request.Host}{Request.PathBase}";

    private BulkActionModel Model(BulkJob job) => BulkActionModel.From(job, BaseUrl);

    private async Task<BulkActionPaginationSchema> ListAsync(string action, BulkJobListQuery query, CancellationToken cancellationToken)
    {
        var page = query.Page();
        var (items, total) = await jobs.ListAsync(Tenant, query.ToQuery(action), page, cancellationToken);
        return new BulkActionPaginationSchema(items.Select(Model).ToList(), PageInfo.For(page, total));
    }

    private async Task<FileStreamResult> FileAsync(string jobId, JobFileKind kind, CancellationToken cancellationToken)
    {
        var (content, name, type) = await jobs.OpenFileAsync(Tenant, jobId, kind, cancellationToken);
        return File(content, type, name);
    }
}

/// <summary>Lifts the request body limit of the upload endpoint to <see cref="BulkJobOptions.MaxUploadBytes"/>, before the form is read.</summary>
internal sealed class UploadLimitFilter(IOptions<BulkJobOptions> options) : IResourceFilter
{
    public void OnResourceExecuting(ResourceExecutingContext context)
    {
        var max = options.Value.MaxUploadBytes;
        var http = context.HttpContext;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max + (64 * 1024);
        }

        http.Features.Set<IFormFeature>(new FormFeature(http.Request, new FormOptions { MultipartBodyLengthLimit = max }));
    }

    public void OnResourceExecuted(ResourceExecutedContext context)
    {
    }
}
