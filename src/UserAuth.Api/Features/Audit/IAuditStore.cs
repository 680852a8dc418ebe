using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Audit;

/// <summary>
/// Storage port of the audit trail and of users' timelines, in the same store as the data they describe. Records are
/// only appended (and expired, or have their free text cleared on erasure); ids are ObjectIds, so they sort by time.
/// </summary>
internal interface IAuditStore
{
    /// <summary>True when the store removes expired records by itself (MongoDB TTL index); else the sweeper does.</summary>
    bool ExpiresByItself { get; }

    /// <summary>Appends records; a record of an id already stored replaces it (writing a record twice leaves one).</summary>
    Task AppendAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>
    /// The records of a write about to be made, stored no later than that write: SQLite stores them in the transaction
    /// of the flow's next write (<see cref="AuditWriteAhead.Enter"/> around the write), so they are committed with it
    /// or not at all; MongoDB (no multi-document transaction on a standalone server) stores them now, ahead of it.
    /// </summary>
    Task<AuditWriteAhead> WriteAheadAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="entries"/> (replacing records of the same id) and deletes the records of
    /// <paramref name="remove"/> not among them: the final form of written-ahead records, or their removal.
    /// </summary>
    Task ReplaceAsync(IReadOnlyCollection<AuditEntry> entries, IReadOnlyCollection<AuditEntry> remove, CancellationToken cancellationToken);

    /// <summary>The tenant's records of a kind (of one user when <paramref name="userId"/> is given), newest first.</summary>
    Task<AuditPage> ListAsync(Tenant tenant, string kind, string? userId, int skip, int limit, CancellationToken cancellationToken);

    /// <summary>Every event of a user, oldest first.</summary>
    Task<IReadOnlyList<AuditEntry>> EventsOfAsync(Tenant tenant, string userId, CancellationToken cancellationToken);

    /// <summary>Clears the free text (reasons) of a user's events: erasure.</summary>
    Task ClearEventSubTitlesAsync(Tenant tenant, string userId, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="limit"/> records expired at <paramref name="now"/>; returns how many.</summary>
    Task<int> DeleteExpiredAsync(DateTime now, int limit, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IAuditStore.WriteAheadAsync"/> left for the write itself.</summary>
internal class AuditWriteAhead
{
    /// <summary>The records are stored already (ahead of the write).</summary>
    public static readonly AuditWriteAhead Stored = new();

    /// <summary>True when the records may be in the store (stored ahead, or carried by a write).</summary>
    public virtual bool MayBeStored => true;

    /// <summary>Entered around the write (the action), so the store can carry the records with it; null if nothing to do.</summary>
    public virtual IDisposable? Enter() => null;
}
