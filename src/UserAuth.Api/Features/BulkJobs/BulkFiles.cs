using Microsoft.Extensions.Options;
using UserAuth.Api.Storage;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>Which of a job's files.</summary>
internal enum JobFileKind
{
    /// <summary>The import's source file or the export's result.</summary>
    File,

    /// <summary>The rows an import rejected, with the reason (CSV).</summary>
    Error,

    /// <summary>An export's rows as CSV while the job runs (the XLSX result is made from it at the end).</summary>
    Work,
}

/// <summary>
/// Job files in one folder (<see cref="BulkJobOptions.Directory"/>), named after the job id, so any instance that
/// mounts the folder finds them. Files are appended to and cut back to a checkpoint, which a database blob store
/// (GridFS) cannot do: that is why they live on a file system.
/// </summary>
internal sealed class BulkFiles
{
    public BulkFiles(IOptions<BulkJobOptions> options, IOptions<StorageOptions> storage, IHostEnvironment environment)
    {
        var path = options.Value.Directory;
        if (string.IsNullOrWhiteSpace(path))
        {
            // Default: a "jobs" folder next to the embedded database (data/jobs), whatever the store.
            var database = storage.Value.Sqlite.Path;
            database = Path.IsPathRooted(database) ? database : Path.Combine(environment.ContentRootPath, database);
            path = Path.Combine(Path.GetDirectoryName(database) ?? environment.ContentRootPath, "jobs");
        }

        Root = Path.IsPathRooted(path) ? path : Path.Combine(environment.ContentRootPath, path);
    }

    public string Root { get; }

    public string PathOf(BulkJob job, JobFileKind kind)
    {
        var shard = job.Id[^2..];
        var name = kind switch
        {
            JobFileKind.File => $"{job.Id}.{job.ActionType}.{job.FileFormat}",
            JobFileKind.Error => $"{job.Id}.errors.csv",
            _ => $"{job.Id}.work.csv",
        };
        return Path.Combine(Root, shard, name);
    }

    /// <summary>Opens a file for writing from <paramref name="length"/> on: what was written after it is cut off.</summary>
    public FileStream OpenAt(BulkJob job, JobFileKind kind, long length)
    {
        var path = PathOf(job, kind);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1 << 16);
        stream.SetLength(length);
        stream.Position = length;
        return stream;
    }

    public FileStream Create(BulkJob job, JobFileKind kind)
    {
        var path = PathOf(job, kind);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
    }

    public FileStream? OpenRead(BulkJob job, JobFileKind kind)
    {
        try
        {
            return new FileStream(PathOf(job, kind), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Delete(BulkJob job, JobFileKind kind)
    {
        try
        {
            File.Delete(PathOf(job, kind));
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing was ever written for this job.
        }
    }

    public void DeleteAll(BulkJob job)
    {
        foreach (var kind in Enum.GetValues<JobFileKind>())
        {
            Delete(job, kind);
        }
    }
}
