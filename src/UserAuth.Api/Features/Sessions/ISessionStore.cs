using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Sessions;

/// <summary>
/// Storage port of the login sessions. "Live" means not revoked and <c>expires_at</c> after the given instant: every
/// read filters on it, so an expired session is dead even before the store removes it.
/// </summary>
internal interface ISessionStore
{
    /// <summary>True when the store removes expired sessions by itself (MongoDB's TTL index); otherwise the sweeper does.</summary>
    bool ExpiresByItself { get; }

    Task InsertAsync(UserSession session, CancellationToken cancellationToken);

    /// <summary>The live session of the tenant whose sid hashes to <paramref name="sidHash"/>.</summary>
    Task<UserSession?> FindLiveBySidHashAsync(Tenant tenant, string sidHash, DateTime now, CancellationToken cancellationToken);

    /// <summary>The user's live sessions, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<UserSession>> ListLiveAsync(Tenant tenant, string userId, DateTime now, int limit,
        CancellationToken cancellationToken);

    /// <summary>Revokes one live session of the user (live at <c>revocation.At</c>); false when there is none.</summary>
    Task<bool> RevokeAsync(Tenant tenant, string userId, string sessionId, SessionRevocation revocation,
        CancellationToken cancellationToken);

    /// <summary>Revokes every live session of the user in one write; returns how many it revoked.</summary>
    Task<int> RevokeAllAsync(Tenant tenant, string userId, SessionRevocation revocation, CancellationToken cancellationToken);

    /// <summary>Public ids of the user's sessions ended by the revocation <paramref name="revocationId"/>.</summary>
    Task<IReadOnlyList<string>> FindIdsByRevocationAsync(Tenant tenant, string userId, string revocationId,
        CancellationToken cancellationToken);

    /// <summary>
    /// Moves a live session's expiry forward to <paramref name="expiresAt"/>; never backwards. False when the session is
    /// not live or already expires at or after <paramref name="expiresAt"/>.
    /// </summary>
    Task<bool> ExtendAsync(Tenant tenant, string sessionId, DateTime expiresAt, DateTime now, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="limit"/> sessions (live or revoked) that expired at or before <paramref name="now"/>.</summary>
    Task<int> DeleteExpiredAsync(DateTime now, int limit, CancellationToken cancellationToken);
}
