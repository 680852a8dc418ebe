using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Features.Sessions;

[Tags("Sessions")]
internal sealed class SessionsController(SessionService sessions) : PlatformController
{
    /// <summary>
    /// createUserSession: sign a live, active customer in on a storefront domain. Answers the cookie to set:
    /// <c>cookie</c> maps <c>f.session</c> to its value, express-session's signed form already URL-encoded
    /// (<c>s%3A&lt;sid&gt;.&lt;signature&gt;</c>); <c>max_age</c> is in seconds (Set-Cookie Max-Age) and defaults to
    /// the application's session duration. Optional <c>ip</c> / <c>user_agent</c> describe the customer's device
    /// (else X-Forwarded-For / the peer address and the User-Agent header). 404 unknown user; 409 user not live
    /// (<c>user_not_live</c>) or blocked (<c>user_blocked</c>).
    /// </summary>
    [HttpPost("customers/session")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(CreateUserSessionResponseSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<CreateUserSessionResponseSchema> CreateUserSession([FromBody] CreateUserSessionRequestSchema body,
        CancellationToken cancellationToken)
    {
        var created = await sessions.CreateAsync(Tenant,
            new NewSession(body.UserId!, body.Domain!, body.MaxAge, OriginOf(body)), cancellationToken);
        return CreateUserSessionResponseSchema.From(created);
    }

    /// <summary>
    /// getActiveSessions: the user's live (not revoked, not expired) sessions, newest first (at most 100).
    /// <c>session_id</c> is the session's public id, not its cookie; <c>expire_in</c> is the ISO-8601 UTC expiry.
    /// </summary>
    [HttpGet("customers/sessions")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(SessionListResponseSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<SessionListResponseSchema> GetActiveSessions([FromQuery] GetActiveSessionsQuery query,
        CancellationToken cancellationToken)
    {
        var live = await sessions.ListAsync(Tenant, query.Id!, cancellationToken);
        return new SessionListResponseSchema(live.Select(SessionListResponseInfo.From).ToList());
    }

    /// <summary>
    /// deleteSession: revoke one live session of the user, recording who (the token's client), when and why. 404 when
    /// the session is unknown, another user's, already revoked or expired.
    /// </summary>
    [HttpDelete("customers/session")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(SessionDeleteResponseSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<SessionDeleteResponseSchema> DeleteSession([FromQuery] DeleteSessionQuery query,
        CancellationToken cancellationToken)
    {
        var revoked = await sessions.RevokeAsync(Tenant, query.Id!, query.SessionId!, query.Reason!, Actor, cancellationToken);
        return new SessionDeleteResponseSchema(query.Id!.ToLowerInvariant(), revoked);
    }

    /// <summary>deleteActiveSessions: revoke every live session of the user; answers the public ids revoked.</summary>
    [HttpDelete("customers/sessions")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(SessionsDeleteResponseSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<SessionsDeleteResponseSchema> DeleteActiveSessions([FromQuery] DeleteActiveSessionsQuery query,
        CancellationToken cancellationToken)
    {
        var revoked = await sessions.RevokeAllAsync(Tenant, query.Id!, query.Reason!, Actor, cancellationToken);
        return new SessionsDeleteResponseSchema(query.Id!.ToLowerInvariant(), revoked);
    }

    /// <summary>
    /// verifyUserSession (not in the reference): for the storefront's backends, which then need no signing secret.
    /// Send the <c>f.session</c> cookie value as received (<c>s%3A...</c> or <c>s:...</c>). 200 with the session's public
    /// id, user, expiry and domain when the signature is valid, the session live and its user live and active; a
    /// rolling session's expiry moves to now + its own <c>max_age</c> (never further), and only for a token with the
    /// <c>user:write</c> scope: a <c>user:read</c> token verifies without extending. 404 otherwise, the same answer
    /// whatever the reason.
    /// </summary>
    [HttpPost("customers/session/verify")]
    [EndpointName("verifyUserSession")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(VerifyUserSessionResponseSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<VerifyUserSessionResponseSchema> VerifyUserSession([FromBody] VerifyUserSessionRequestSchema body,
        CancellationToken cancellationToken)
    {
        var session = await sessions.VerifyAsync(Tenant, body.Cookie!, User.HasScope(Scopes.Write), cancellationToken);
        return VerifyUserSessionResponseSchema.From(session);
    }

    /// <summary>The device: the body's ip / user_agent, else X-Forwarded-For's first hop or the peer, and User-Agent.</summary>
    private SessionOrigin OriginOf(CreateUserSessionRequestSchema body)
    {
        var ip = body.Ip is { } given ? Normalize(IPAddress.Parse(given)) : ForwardedFor() ?? PeerAddress();
        var userAgent = body.UserAgent ?? (string?)Request.Headers.UserAgent;
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            userAgent = null;
        }
        else if (userAgent.Length > SessionRules.MaxUserAgentLength)
        {
            userAgent = userAgent[..SessionRules.MaxUserAgentLength];
        }

        return new SessionOrigin(ip, userAgent);
    }

    private string? ForwardedFor()
    {
        var header = (string?)Request.Headers["X-Forwarded-For"];
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var first = header.Split(',', 2)[0].Trim();
        return first.Length <= SessionRules.MaxIpLength && IPAddress.TryParse(first, out var address) ? Normalize(address) : null;
    }

    private string? PeerAddress() => HttpContext.Connection.RemoteIpAddress is { } address ? Normalize(address) : null;

    private static string Normalize(IPAddress address) =>
        (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
