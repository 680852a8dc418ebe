using UserAuth.Api.Common;
using UserAuth.Api.Common.Jobs;
using UserAuth.Api.Features.Attributes;
using UserAuth.Api.Features.Groups;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>
/// Creating, finding and listing jobs and opening their files; the shared work queue runs them
/// (<see cref="BulkJobHandler"/>, queued by <see cref="JobScheduler"/>).
/// </summary>
internal sealed class BulkJobService(
    IBulkJobStore store,
    UserGroupService groups,
    AttributeDefinitionService definitions,
    IUserAttributeQuery attributeQuery,
    ImportSources sources,
    BulkFiles files,
    JobScheduler scheduler,
    TimeProvider clock,
    ILogger<BulkJobService> logger)
{
    public async Task<BulkJob> CreateImportAsync(Tenant tenant, string createdBy, ImportRequest payload,
        CancellationToken cancellationToken)
    {
        var format = payload.FileFormat;
        var job = NewJob(tenant, JobAction.Import, format, createdBy);
        job.DryRun = payload.DryRun;
        var link = JobLinks.Parse(payload.RelativeUrl) ?? JobLinks.Parse(payload.AbsoluteUrl);
        if (link is { } held)
        {
            // A file this service keeps: copied, never downloaded from ourselves.
            var source = held.Tenant == tenant ? await store.FindAsync(tenant, held.JobId, cancellationToken) : null;
            if (source is null || source.FilesRemoved || (held.Kind == JobFileKind.File ? !source.HasFile : !source.HasErrorFile))
            {
                throw new ValidationFailedException("relative_url", "names no file this service keeps for this application");
            }

            job.FileName = source.FileName;
            await sources.CopyAsync(job, source, held.Kind, cancellationToken);
            job.HasFile = true;
        }
        else
        {
            // Another host's file: downloaded by the job under the FileFetch policy.
            var uri = sources.CheckUrl(payload.AbsoluteUrl);
            job.SourceUrl = uri.AbsoluteUri;
            job.FileName = SafeName(Uri.UnescapeDataString(uri.Segments[^1]), $"users-import-{job.Id}.{format}");
        }

        return await InsertAsync(job, cancellationToken);
    }

    /// <summary>An import of an uploaded file; <paramref name="fileFormat"/> null: from the file name's extension.</summary>
    public async Task<BulkJob> CreateUploadImportAsync(Tenant tenant, string createdBy, Stream content, string? fileName,
        string? fileFormat, bool dryRun, CancellationToken cancellationToken)
    {
        var format = fileFormat?.Trim().ToLowerInvariant() ?? BulkJobValidators.FormatOfName(fileName)!;
        var job = NewJob(tenant, JobAction.Import, format, createdBy);
        job.FileName = SafeName(fileName, $"users-import-{job.Id}.{format}");
        job.DryRun = dryRun;
        await sources.SaveUploadAsync(job, content, cancellationToken);
        job.HasFile = true;
        return await InsertAsync(job, cancellationToken);
    }

    /// <summary>
    /// An export of the users matching <paramref name="filter"/> now (the snapshot), with one attribute column per
    /// definition of today; encrypted values in clear only when <paramref name="decryptAttributes"/> (the caller's scope).
    /// </summary>
    public async Task<BulkJob> CreateExportAsync(Tenant tenant, string createdBy, string fileFormat, ExportFilter filter,
        bool decryptAttributes, CancellationToken cancellationToken)
    {
        if (filter.AttributeConditions.Count > 0)
        {
            // A 400 naming attribute_filter.conditions[i] and the problem, as filterUsersByAttributes answers.
            await attributeQuery.CompileAsync(tenant, filter.AttributeMatchAll, ExportProcessor.ToConditions(filter.AttributeConditions),
                "attribute_filter.conditions", cancellationToken);
        }

        if (filter.GroupId is { } uid)
        {
            try
            {
                await groups.GetAsync(tenant, uid, cancellationToken);
            }
            catch (NotFoundException)
            {
                throw new ValidationFailedException("group_id", "names no user group of this application");
            }
        }

        var format = fileFormat.Trim().ToLowerInvariant();
        var job = NewJob(tenant, JobAction.Export, format, createdBy);
        job.FileName = $"users-export-{job.Id}.{format}";
        job.SnapshotAt = job.CreatedAt;
        job.Filter = filter;
        job.DecryptAttributes = decryptAttributes;
        job.AttributeColumns = (await definitions.ListAllAsync(tenant, cancellationToken))
            .Select(d => new AttributeColumn { DefinitionId = d.Id, Slug = d.Slug }).ToList();
        return await InsertAsync(job, cancellationToken);
    }

    public async Task<BulkJob> GetAsync(Tenant tenant, string jobId, CancellationToken cancellationToken)
    {
        return await store.FindAsync(tenant, jobId.ToLowerInvariant(), cancellationToken) ?? throw JobNotFound();
    }

    public Task<(IReadOnlyList<BulkJob> Items, long Total)> ListAsync(Tenant tenant, BulkJobQuery query, PageRequest page,
        CancellationToken cancellationToken) =>
        store.ListAsync(tenant, query, page.Skip, page.PageSize, cancellationToken);

    /// <summary>A job's file for download: its stream, name and content type; 404 when the job or file is gone.</summary>
    public async Task<(Stream Content, string Name, string ContentType)> OpenFileAsync(Tenant tenant, string jobId, JobFileKind kind,
        CancellationToken cancellationToken)
    {
        var job = await GetAsync(tenant, jobId, cancellationToken);
        var exists = !job.FilesRemoved && (kind == JobFileKind.File ? job.HasFile && (job.ActionType == JobAction.Import || JobStatus.IsFinished(job.Status))
            : job.HasErrorFile);
        var stream = exists ? files.OpenRead(job, kind) : null;
        if (stream is null)
        {
            throw new NotFoundException("This job has no such file (not written yet, or no longer kept).", "file_not_found");
        }

        if (kind == JobFileKind.Error)
        {
            // Only the checkpointed part: a running job may have written rows it has not committed yet.
            return (new BoundedStream(stream, job.ErrorFileLength), $"{Path.GetFileNameWithoutExtension(job.FileName)}-errors.csv", "text/csv");
        }

        return (stream, job.FileName, job.FileFormat == JobFileFormat.Xlsx
            ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            : "text/csv");
    }

    private BulkJob NewJob(Tenant tenant, string action, string format, string createdBy)
    {
        var now = clock.UtcNowMs();
        return new BulkJob
        {
            Id = Ids.New(),
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            ActionType = action,
            FileFormat = format,
            CreatedBy = createdBy,
            Status = JobStatus.Pending,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    private async Task<BulkJob> InsertAsync(BulkJob job, CancellationToken cancellationToken)
    {
        try
        {
            // Queued first: a crash before the insert leaves a queue entry whose job never appears, which the handler drops.
            await scheduler.EnqueueAsync(BulkJobHandler.JobKind, new Tenant(job.CompanyId, job.ApplicationId), job.Id, job.Id,
                cancellationToken);
            await store.InsertAsync(job, cancellationToken);
        }
        catch
        {
            files.DeleteAll(job);
            throw;
        }

        logger.LogInformation("Created {Action} job {JobId} in application {ApplicationId}", job.ActionType, job.Id, job.ApplicationId);
        return job;
    }

    /// <summary>The file name's last segment, without characters that would break a header or a path.</summary>
    private static string SafeName(string? name, string fallback)
    {
        var last = Path.GetFileName(name ?? "");
        var clean = new string(last.Where(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' or ' ').ToArray()).Trim();
        return clean.Length is 0 or > 200 ? fallback : clean;
    }

    public static NotFoundException JobNotFound() => new("Job not found.", "job_not_found");

}

/// <summary>A read-only view of the first <c>length</c> bytes of a stream.</summary>
internal sealed class BoundedStream(Stream inner, long length) : Stream
{
    private long position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, length - position)]);
        position += read;
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, length - position)], cancellationToken);
        position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
