namespace UserAuth.Api.Features.Sessions;

/// <summary>
/// A customer's login session, as stored (not a wire contract). The cookie's session id (sid) is never stored: only
/// its SHA-256 (<see cref="SidHash"/>). <see cref="Id"/> is the public id shown to admins; it cannot be turned into a
/// cookie. Revoked sessions stay until <see cref="ExpiresAt"/> for audit, then the store removes them.
/// </summary>
internal sealed class UserSession
{
    /// <summary>Public id (24-hex ObjectId string): what getActiveSessions lists and deleteSession takes.</summary>
    public string Id { get; set; } = "";

    public string CompanyId { get; set; } = "";

    public string ApplicationId { get; set; } = "";

    public string UserId { get; set; } = "";

    /// <summary>The user's <c>SessionEpoch</c> when the session was created; the session is dead once they differ.</summary>
    public int UserEpoch { get; set; }

    /// <summary>Lowercase hex SHA-256 of the sid; unique.</summary>
    public string SidHash { get; set; } = "";

    /// <summary>The cookie's domain (a lowercase hostname).</summary>
    public string Domain { get; set; } = "";

    public string? Ip { get; set; }

    public string? UserAgent { get; set; }

    /// <summary>The cookie's Max-Age in seconds, as answered at creation.</summary>
    public long MaxAge { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When the session stops being valid; moved forward by rolling sessions.</summary>
    public DateTime ExpiresAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    /// <summary>The API client id that revoked the session.</summary>
    public string? RevokedBy { get; set; }

    public string? RevokeReason { get; set; }

    /// <summary>The revocation that ended this session; shared by every session one deleteActiveSessions ended.</summary>
    public string? RevocationId { get; set; }

    public bool IsLive(DateTime now) => RevokedAt is null && ExpiresAt > now;
}

/// <summary>Who ended sessions, when, why; <see cref="Id"/> marks every session of one revocation.</summary>
internal sealed record SessionRevocation(string Id, DateTime At, string By, string Reason);
