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

    /// <summary>Appends records; writing a record twice (same id) leaves one.</summary>
    Task AppendAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken);

    /// <summary>The tenant's records of a kind (of one user when <paramref name="userId"/> is given), newest first.</summary>
    Task<AuditPage> ListAsync(Tenant tenant, string kind, string? userId, int skip, int limit, CancellationToken cancellationToken);

    /// <summary>Every event of a user, oldest first.</summary>
    Task<IReadOnlyList<AuditEntry>> EventsOfAsync(Tenant tenant, string userId, CancellationToken cancellationToken);

    /// <summary>Clears the free text (reasons) of a user's events: erasure.</summary>
    Task ClearEventSubTitlesAsync(Tenant tenant, string userId, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="limit"/> records expired at <paramref name="now"/>; returns how many.</summary>
    Task<int> DeleteExpiredAsync(DateTime now, int limit, CancellationToken cancellationToken);
}
