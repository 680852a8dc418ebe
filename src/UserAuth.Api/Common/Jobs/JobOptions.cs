using System.ComponentModel.DataAnnotations;

namespace UserAuth.Api.Common.Jobs;

/// <summary>Configuration section <c>Jobs</c>: the background worker every instance runs.</summary>
internal sealed class JobOptions
{
    public const string Section = "Jobs";

    /// <summary>False: this instance claims no work (others over the same store still do).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often an idle worker looks for work, in milliseconds (work queued by this instance wakes it at once).</summary>
    [Range(10, 600_000)]
    public int PollIntervalMs { get; set; } = 2000;

    /// <summary>How long a claim holds; renewed every third of it while the job runs. A crashed instance's jobs are taken over after it.</summary>
    [Range(1, 3600)]
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>Attempts before a job that keeps failing unexpectedly is given up (the subject is marked failed).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Rows applied between two checkpoints.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>Jobs one instance runs at the same time.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 2;

    /// <summary>Optional absolute base (e.g. <c>https://users.example.com</c>) put before served file paths such as error reports.</summary>
    public string? PublicBaseUrl { get; set; }
}
