using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Common.FileFetch;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>Puts an import's file in place: from an upload, another job file of this service, or a URL (FileFetch).</summary>
internal sealed class ImportSources(BulkFiles files, FileFetcher fetcher, IOptions<BulkJobOptions> options)
{
    /// <summary>Rows a file fetched by URL may hold: the fetch policy's cap.</summary>
    public int MaxFetchedRows => fetcher.Options.MaxRows;

    /// <summary>The URL to fetch, checked on its face now (400 when refused); its addresses are checked at connect time.</summary>
    public Uri CheckUrl(string? url)
    {
        try
        {
            return fetcher.CheckUrl(url);
        }
        catch (FileFetchRefusedException e)
        {
            throw new ValidationFailedException("absolute_url", e.Message);
        }
    }

    /// <summary>Downloads the job's <see cref="BulkJob.SourceUrl"/> under the fetch policy as the job's file.</summary>
    public async Task DownloadAsync(BulkJob job, CancellationToken cancellationToken)
    {
        try
        {
            await using var fetched = await fetcher.OpenAsync(fetcher.CheckUrl(job.SourceUrl), cancellationToken);
            await using var output = files.Create(job, JobFileKind.File);
            await fetched.Content.CopyToAsync(output, cancellationToken);
        }
        catch (FileFetchException e)
        {
            files.Delete(job, JobFileKind.File);
            throw new BulkJobFailedException($"the file could not be downloaded: {e.Message}", e);
        }
    }

    /// <summary>Stores an uploaded file as the job's file; refuses one larger than <see cref="BulkJobOptions.MaxUploadBytes"/>.</summary>
    public async Task SaveUploadAsync(BulkJob job, Stream upload, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxUploadBytes;
        try
        {
            await using var output = files.Create(job, JobFileKind.File);
            var buffer = new byte[1 << 16];
            long total = 0;
            int read;
            while ((read = await upload.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
                if (total > max)
                {
                    throw new ValidationFailedException("file", $"must be at most {max} bytes");
                }

                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch
        {
            files.Delete(job, JobFileKind.File);
            throw;
        }
    }

    /// <summary>Copies a file this service holds (<paramref name="source"/>'s) as the job's file.</summary>
    public async Task CopyAsync(BulkJob job, BulkJob source, JobFileKind kind, CancellationToken cancellationToken)
    {
        await using var input = files.OpenRead(source, kind)
                                ?? throw new ValidationFailedException("relative_url", "names a file that is no longer kept");
        await SaveUploadAsync(job, input, cancellationToken);
    }
}
