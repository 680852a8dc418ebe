using System.ComponentModel.DataAnnotations;

namespace UserAuth.Api.Features.Audit;

/// <summary>Configuration section <c>Audit</c>.</summary>
internal sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>Record writes (default). Off only to measure the audit's cost; timelines are kept either way.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long the record of a write is kept (users' timeline events are kept as long as the user).</summary>
    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 365;

    /// <summary>Longest value kept per field (longer values are cut, with an ellipsis).</summary>
    [Range(16, 4096)]
    public int MaxValueLength { get; set; } = 256;

    /// <summary>How often the sweeper removes expired records from a store without TTL (SQLite).</summary>
    [Range(10, 86_400)]
    public int SweepIntervalSeconds { get; set; } = 3600;

    /// <summary>Records one sweep deletes per statement.</summary>
    [Range(1, 100_000)]
    public int SweepBatchSize { get; set; } = 1000;
}
