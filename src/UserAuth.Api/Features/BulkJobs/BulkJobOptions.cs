using System.ComponentModel.DataAnnotations;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>Configuration section <c>BulkJobs</c>: where job files live, how jobs are run and how long files are kept.</summary>
internal sealed class BulkJobOptions
{
    public const string Section = "BulkJobs";

    /// <summary>
    /// Folder of the job files (sources, exports, error files); relative paths are under the content root. Empty: a
    /// <c>jobs</c> folder next to the embedded database (<c>data/jobs</c>). Several instances must share it (one network
    /// volume mounted by all).
    /// </summary>
    public string Directory { get; set; } = "";

    /// <summary>Rows per committed batch: one transaction (SQLite) or one unordered bulk write (MongoDB).</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 1000;

    /// <summary>Most data rows an import file may hold.</summary>
    [Range(1, 100_000_000)]
    public int MaxRows { get; set; } = 2_000_000;

    /// <summary>Largest uploaded file, in bytes.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>How long a claim on a job holds without renewal; a crashed instance's job is resumed after it ends.</summary>
    [Range(1, 3600)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>How often an idle instance looks for jobs (new jobs of this instance start at once).</summary>
    [Range(0.05, 3600)]
    public double PollSeconds { get; set; } = 5;

    /// <summary>Runs that may claim a job before it is failed (a job that keeps crashing its runs).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Jobs one instance runs at once.</summary>
    [Range(1, 16)]
    public int Concurrency { get; set; } = 1;

    /// <summary>How long the files of a finished job are kept, in hours.</summary>
    [Range(0.0003, 24 * 365)]
    public double FileRetentionHours { get; set; } = 72;

    /// <summary>How often the background pass removes expired files, in seconds.</summary>
    [Range(1, 86_400)]
    public int SweepSeconds { get; set; } = 600;

    /// <summary>False: this instance serves the API but runs no job (e.g. a dedicated worker runs them).</summary>
    public bool RunJobs { get; set; } = true;
}
