using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Sessions;

/// <summary>
/// CreateUserSessionRequestSchema. <c>max_age</c> is in seconds (the cookie's Max-Age) and defaults to the
/// application's session duration. <c>ip</c> and <c>user_agent</c> describe the customer's device; when absent they
/// are taken from the request (X-Forwarded-For's first hop or the peer address; the User-Agent header).
/// </summary>
internal sealed record CreateUserSessionRequestSchema
{
    public string? UserId { get; init; }

    public string? Domain { get; init; }

    public long? MaxAge { get; init; }

    public string? Ip { get; init; }

    public string? UserAgent { get; init; }
}

/// <summary>
/// CreateUserSessionResponseSchema: the attributes of the cookie to set. <c>max_age</c> is in SECONDS, like the
/// Set-Cookie Max-Age attribute (express' <c>res.cookie</c> takes milliseconds: multiply by 1000 there); the session
/// expires on the server at creation + max_age. <c>cookie</c> maps the cookie name <c>f.session</c> to its value,
/// already URL-encoded as express-session sends it (<c>s%3A&lt;sid&gt;.&lt;signature&gt;</c>): write it verbatim.
/// <c>session_id</c> (the public id) and <c>expires_at</c> are additions to the reference.
/// </summary>
internal sealed record CreateUserSessionResponseSchema(
    string Domain,
    long MaxAge,
    bool Secure,
    bool HttpOnly,
    IReadOnlyDictionary<string, string> Cookie,
    string SessionId,
    string ExpiresAt)
{
    public static CreateUserSessionResponseSchema From(CreatedSession created) => new(
        created.Session.Domain,
        created.Session.MaxAge,
        Secure: true,
        HttpOnly: true,
        new Dictionary<string, string> { [SessionCookies.Name] = created.CookieValue },
        created.Session.Id,
        UtcDateTimeConverter.ToWire(created.Session.ExpiresAt));
}

/// <summary>
/// SessionListResponseInfo. <c>session_id</c> is the session's public id (never the cookie's sid); <c>expire_in</c>
/// is the ISO-8601 UTC instant the session expires at (<c>2020-03-11T09:28:41.982Z</c>); <c>created_at</c> is an
/// addition to the reference. Unknown ip / user agent are left out, not null.
/// </summary>
internal sealed record SessionListResponseInfo(
    string SessionId,
    string? UserAgent,
    string? Ip,
    string Domain,
    string ExpireIn,
    string CreatedAt)
{
    public static SessionListResponseInfo From(UserSession session) => new(
        session.Id,
        session.UserAgent,
        session.Ip,
        session.Domain,
        UtcDateTimeConverter.ToWire(session.ExpiresAt),
        UtcDateTimeConverter.ToWire(session.CreatedAt));
}

/// <summary>SessionListResponseSchema: the user's live sessions, newest first.</summary>
internal sealed record SessionListResponseSchema(IReadOnlyList<SessionListResponseInfo> Items);

/// <summary>SessionDeleteResponseSchema.</summary>
internal sealed record SessionDeleteResponseSchema(string UserId, string SessionId);

/// <summary>SessionsDeleteResponseSchema: the public ids of the sessions this call revoked.</summary>
internal sealed record SessionsDeleteResponseSchema(string UserId, IReadOnlyList<string> SessionIds);

/// <summary>The <c>f.session</c> cookie value as the storefront received it: <c>s%3A...</c> or <c>s:...</c>.</summary>
internal sealed record VerifyUserSessionRequestSchema
{
    public string? Cookie { get; init; }
}

/// <summary>A verified live session: its public id, its user, when it expires (ISO-8601 UTC) and its domain.</summary>
internal sealed record VerifyUserSessionResponseSchema(
    string SessionId,
    string UserId,
    string ExpiresAt,
    string Domain)
{
    public static VerifyUserSessionResponseSchema From(UserSession session) =>
        new(session.Id, session.UserId, UtcDateTimeConverter.ToWire(session.ExpiresAt), session.Domain);
}

/// <summary>getActiveSessions' query: <c>id</c> is the user id.</summary>
internal sealed record GetActiveSessionsQuery
{
    [FromQuery(Name = "id")]
    public string? Id { get; init; }
}

/// <summary>deleteSession's query: the user (<c>id</c>), the session's public id and why.</summary>
internal sealed record DeleteSessionQuery
{
    [FromQuery(Name = "id")]
    public string? Id { get; init; }

    [FromQuery(Name = "session_id")]
    public string? SessionId { get; init; }

    [FromQuery(Name = "reason")]
    public string? Reason { get; init; }
}

/// <summary>deleteActiveSessions' query: the user (<c>id</c>) and why.</summary>
internal sealed record DeleteActiveSessionsQuery
{
    [FromQuery(Name = "id")]
    public string? Id { get; init; }

    [FromQuery(Name = "reason")]
    public string? Reason { get; init; }
}
