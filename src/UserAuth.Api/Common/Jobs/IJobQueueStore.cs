namespace UserAuth.Api.Common.Jobs;

/// <summary>
/// Storage port of the work queue shared by every instance. A claim is an atomic conditional write in the store (never
/// a lock in memory): a job is taken only when its <c>available_at</c> has passed, and taking it moves
/// <c>available_at</c> to the end of the lease. Every later write names the owner and the run, so an instance whose
/// lease was taken over can no longer write.
/// </summary>
internal interface IJobQueueStore
{
    Task EnqueueAsync(QueuedJob job, CancellationToken cancellationToken);

    /// <summary>Claims one available job of the kinds for <paramref name="owner"/> until <paramref name="leaseUntil"/>; counts the attempt.</summary>
    Task<QueuedJob?> ClaimAsync(IReadOnlyCollection<string> kinds, string owner, DateTime now, DateTime leaseUntil,
        CancellationToken cancellationToken);

    /// <summary>Extends the lease and, when given, stores the checkpoint; false when the lease is no longer ours.</summary>
    Task<bool> RenewAsync(string jobId, string owner, DateTime leaseUntil, long? checkpoint, CancellationToken cancellationToken);

    /// <summary>Removes a finished job (only while we hold it).</summary>
    Task<bool> CompleteAsync(string jobId, string owner, CancellationToken cancellationToken);

    /// <summary>Gives a job back to be retried at <paramref name="retryAt"/>, keeping its checkpoint.</summary>
    Task<bool> ReleaseAsync(string jobId, string owner, DateTime retryAt, string? error, CancellationToken cancellationToken);

    /// <summary>Per kind: how many jobs are queued (waiting or running) and when the oldest was queued.</summary>
    Task<IReadOnlyDictionary<string, (long Depth, DateTime OldestEnqueuedAt)>> StatsAsync(IReadOnlyCollection<string> kinds,
        CancellationToken cancellationToken);

    /// <summary>The queued jobs of a subject (tests and status).</summary>
    Task<IReadOnlyList<QueuedJob>> FindBySubjectAsync(string kind, Tenant tenant, string subjectId, CancellationToken cancellationToken);
}

/// <summary>
/// Storage port of error reports: the bad rows of a run, keyed by (tenant, report id, row number). Writing a row twice
/// (a batch re-applied after a crash) leaves one row, so counts stay exact.
/// </summary>
internal interface IErrorReportStore
{
    Task AppendAsync(Tenant tenant, string reportId, IReadOnlyCollection<ErrorReportRow> rows, CancellationToken cancellationToken);

    Task<long> CountAsync(Tenant tenant, string reportId, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> rows after <paramref name="afterRow"/>, in row order.</summary>
    Task<IReadOnlyList<ErrorReportRow>> ReadAsync(Tenant tenant, string reportId, long afterRow, int limit,
        CancellationToken cancellationToken);

    Task DeleteAsync(Tenant tenant, string reportId, CancellationToken cancellationToken);
}
