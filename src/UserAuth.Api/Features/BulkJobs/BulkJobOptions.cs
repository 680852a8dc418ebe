using System.ComponentModel.DataAnnotations;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>
/// Configuration section <c>BulkJobs</c>: where job files live, the batch size and limits, and how long files are kept.
/// Which instances run jobs, leases, polling, attempts and concurrency are the shared queue's (<c>Jobs</c>).
/// </summary>
internal sealed class BulkJobOptions
{
    public const string Section = "BulkJobs";

    /// <summary>
    /// Folder of the job files (sources, exports, error files); relative paths are under the content root. Empty: a
    /// <c>jobs</c> folder next to the embedded database (<c>data/jobs</c>). Several instances must share it (one network
    /// volume mounted by all).
    /// </summary>
    public string Directory { get; set; } = "";

    /// <summary>
    /// Rows per committed batch: one transaction (SQLite) or one unordered bulk write (MongoDB). 2,500: a bigger batch
    /// shares more index pages between its rows, so fewer bytes go to the WAL per row (1M rows on a quiet machine:
    /// 142 s at 1,000, 104 s at 2,500, same 370 MiB peak; docs/BENCHMARKS.md), and two batches are held at a time.
    /// </summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 2500;

    /// <summary>Most data rows an import file may hold.</summary>
    [Range(1, 100_000_000)]
    public int MaxRows { get; set; } = 2_000_000;

    /// <summary>Largest uploaded file, in bytes.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>How long the files of a finished job are kept, in hours.</summary>
    [Range(0.0003, 24 * 365)]
    public double FileRetentionHours { get; set; } = 72;

    /// <summary>How often the background pass removes expired files, in seconds.</summary>
    [Range(1, 86_400)]
    public int SweepSeconds { get; set; } = 600;
}
