namespace UserAuth.Api.Common.Jobs;

/// <summary>
/// One unit of background work in the store's queue (<c>job_queue</c>): what to do (<see cref="Kind"/>, the subject's
/// id and the run), who holds it (<see cref="LeaseOwner"/> until <see cref="AvailableAt"/>) and how far it got
/// (<see cref="Checkpoint"/>, written by the handler after each applied batch).
/// </summary>
internal sealed record QueuedJob
{
    public string Id { get; init; } = Ids.New();

    /// <summary>Which handler runs it, e.g. <c>user_group</c>.</summary>
    public required string Kind { get; init; }

    public required string CompanyId { get; init; }

    public required string ApplicationId { get; init; }

    /// <summary>The id of what the job works on (a group, an import).</summary>
    public required string SubjectId { get; init; }

    /// <summary>One run of the subject; the subject records the run it expects, so a stale job does nothing.</summary>
    public required string RunId { get; init; }

    public int Attempts { get; init; }

    /// <summary>Handler-defined progress, e.g. the last applied row number. 0 = nothing applied yet.</summary>
    public long Checkpoint { get; init; }

    public string? LeaseOwner { get; init; }

    /// <summary>When the job may be claimed (again): enqueue time, the end of a lease, or a retry time.</summary>
    public DateTime AvailableAt { get; init; }

    public DateTime EnqueuedAt { get; init; }

    public string? LastError { get; init; }

    public Tenant Tenant => new(CompanyId, ApplicationId);
}

/// <summary>One bad row of an input file, as the error report lists it.</summary>
internal sealed record ErrorReportRow(long RowNumber, string Row, string Reason);
