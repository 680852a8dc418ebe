namespace UserAuth.Api.Features.Audit;

/// <summary>The two kinds of record the audit store keeps.</summary>
internal static class AuditKinds
{
    /// <summary>A write through the admin API: who, what, when, from where, which fields.</summary>
    public const string Request = "request";

    /// <summary>A user's lifecycle event, shown by getUserTimeline (kept as long as the user; no retention).</summary>
    public const string Event = "event";
}

/// <summary>One field a write sent, with its value, or <see cref="AuditEntry.Masked"/> for personal and secret fields.</summary>
internal sealed record AuditChange(string Field, string Value);

/// <summary>One resource a write touched: the kind of id (<c>user_id</c>, <c>group_id</c>, <c>_id</c>...) and the id.</summary>
internal sealed record AuditResource(string Name, string Id);

/// <summary>
/// One audit record. A write that concerns several users (blockOrUnblockUsers) is one record per user, so every
/// user's trail is one indexed read; <see cref="UserId"/> is empty for writes that concern no user.
/// </summary>
internal sealed class AuditEntry
{
    public const string Masked = "***";

    /// <summary>
    /// The <see cref="ApplicationId"/> of a company-wide write (the company's API clients): empty, which no application
    /// id can be (they are 24 hex digits). The company's trail (getCompanyAuditTrail) reads these.
    /// </summary>
    public const string CompanyWide = "";

    public string Id { get; set; } = "";

    public string CompanyId { get; set; } = "";

    public string ApplicationId { get; set; } = "";

    public string Kind { get; set; } = AuditKinds.Request;

    public string UserId { get; set; } = "";

    public DateTime At { get; set; }

    /// <summary>When the store may drop it; null (events) never.</summary>
    public DateTime? ExpiresAt { get; set; }

    // A request's fields.
    public string ClientId { get; set; } = "";

    public string Method { get; set; } = "";

    public string Operation { get; set; } = "";

    public string RequestId { get; set; } = "";

    public int Status { get; set; }

    public List<AuditResource> Resources { get; set; } = [];

    public List<AuditChange> Changes { get; set; } = [];

    // An event's fields (the timeline item).
    public string EventType { get; set; } = "";

    public string Title { get; set; } = "";

    public string? SubTitle { get; set; }

    public bool Visible { get; set; } = true;
}

/// <summary>A page of audit records, newest first.</summary>
internal sealed record AuditPage(IReadOnlyList<AuditEntry> Items, long Total);
