using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.PlatformConfig;

namespace UserAuth.Api.Features.Sessions;

/// <summary>The device a session is created for: what the request body or headers say.</summary>
internal sealed record SessionOrigin(string? Ip, string? UserAgent);

/// <summary>createUserSession's command: whose session, for which storefront domain, how long (default: the application's), from where.</summary>
internal sealed record NewSession(string UserId, string Domain, long? MaxAge, SessionOrigin Origin);

/// <summary>The outcome of createUserSession: the stored session and the cookie value (which nothing stores).</summary>
internal sealed record CreatedSession(UserSession Session, string CookieValue);

/// <summary>
/// Login sessions of customers: created by an admin for a live, active user; listed and revoked by public id;
/// verified by cookie for the storefront's backends. Sessions expire at <c>expires_at</c>; rolling sessions
/// (platform config <c>session_config.is_rolling</c>) move it forward when verified.
/// </summary>
internal sealed class SessionService(
    ISessionStore store,
    UserService users,
    ILoginSettings loginSettings,
    SessionCookies cookies,
    TimeProvider clock,
    ServiceMetrics metrics,
    Audit.TimelineEventWriter events,
    ILogger<SessionService> logger)
{
    /// <summary>getActiveSessions shows at most this many (the newest) live sessions.</summary>
    public const int MaxListed = 100;

    /// <summary>A rolling session is written at most once per this interval, not on every verification.</summary>
    public static readonly TimeSpan RollingGranularity = TimeSpan.FromMinutes(1);

    public async Task<CreatedSession> CreateAsync(Tenant tenant, NewSession request, CancellationToken cancellationToken)
    {
        var origin = request.Origin;
        var user = await users.GetAsync(tenant, request.UserId, cancellationToken);
        EnsureCanSignIn(user);

        var maxAge = request.MaxAge ?? await DefaultMaxAgeAsync(tenant, cancellationToken);
        var now = clock.UtcNowMs();
        var sid = SessionCookies.NewSid();
        var session = new UserSession
        {
            Id = Ids.New(),
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            UserId = user.Id,
            UserEpoch = user.SessionEpoch,
            SidHash = SessionCookies.Hash(sid),
            Domain = request.Domain.ToLowerInvariant(),
            Ip = origin.Ip,
            UserAgent = origin.UserAgent,
            MaxAge = maxAge,
            CreatedAt = now,
            ExpiresAt = now.AddSeconds(maxAge),
        };
        await store.InsertAsync(session, cancellationToken);
        metrics.SessionsCreated();
        await EnsureStillCanSignInAsync(tenant, session, cancellationToken);
        logger.LogInformation("Created session {SessionId} for user {UserId} in application {ApplicationId}",
            session.Id, user.Id, tenant.ApplicationId);
        return new CreatedSession(session, cookies.Encode(sid));
    }

    public async Task<IReadOnlyList<UserSession>> ListAsync(Tenant tenant, string userId, CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(tenant, userId, cancellationToken);
        if (!user.CanHaveSessions())
        {
            return [];
        }

        var live = await store.ListLiveAsync(tenant, user.Id, clock.UtcNowMs(), MaxListed, cancellationToken);
        return live.Where(s => s.UserEpoch == user.SessionEpoch).ToList();
    }

    /// <summary>Revokes one live session of the user; 404 when it is unknown, another user's, revoked or expired.</summary>
    public async Task<string> RevokeAsync(Tenant tenant, string userId, string sessionId, string reason, string actor,
        CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(tenant, userId, cancellationToken);
        var id = Ids.IsValid(sessionId) ? sessionId.ToLowerInvariant() : throw SessionNotFound();
        var revocation = new SessionRevocation(Ids.New(), clock.UtcNowMs(), actor, reason.Trim());
        if (!await events.AroundAsync(tenant, user.Id, OnTimeline("session_deleted", "Session ended by an admin", revocation),
                () => store.RevokeAsync(tenant, user.Id, id, revocation, cancellationToken), revoked => revoked))
        {
            throw SessionNotFound();
        }

        metrics.SessionsRevoked(1, "one");
        logger.LogInformation("Revoked session {SessionId} of user {UserId} in application {ApplicationId} by {Actor}",
            id, user.Id, tenant.ApplicationId, actor);
        return id;
    }

    /// <summary>Revokes every live session of the user; returns the public ids it revoked.</summary>
    public async Task<IReadOnlyList<string>> RevokeAllAsync(Tenant tenant, string userId, string reason, string actor,
        CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(tenant, userId, cancellationToken);
        var revocation = new SessionRevocation(Ids.New(), clock.UtcNowMs(), actor, reason.Trim());
        // Written ahead without the count (what a crash before the final title leaves), then titled with it.
        var count = await events.AroundAsync(tenant, user.Id, OnTimeline("sessions_deleted", "Active sessions ended by an admin", revocation),
            () => store.RevokeAllAsync(tenant, user.Id, revocation, cancellationToken), n => n > 0,
            n => $"{n} active sessions ended by an admin");
        metrics.SessionsRevoked(count, "all");
        if (count == 0)
        {
            return [];
        }

        logger.LogInformation("Revoked {Count} sessions of user {UserId} in application {ApplicationId} by {Actor}",
            count, user.Id, tenant.ApplicationId, actor);
        return await store.FindIdsByRevocationAsync(tenant, user.Id, revocation.Id, cancellationToken);
    }

    /// <summary>
    /// The live session a cookie value stands for, when its signature verifies and its user is still live and
    /// active; every other case is the same 404, so the answer tells nothing about why. Extends rolling sessions by their
    /// own max_age when <paramref name="mayExtend"/> (a caller allowed to write); a read-only caller never extends one.
    /// </summary>
    public async Task<UserSession> VerifyAsync(Tenant tenant, string cookie, bool mayExtend, CancellationToken cancellationToken)
    {
        var sid = cookies.Unsign(cookie) ?? throw SessionNotFound();
        var now = clock.UtcNowMs();
        var session = await store.FindLiveBySidHashAsync(tenant, SessionCookies.Hash(sid), now, cancellationToken)
                      ?? throw SessionNotFound();
        if (!await CanSignInAsync(tenant, session, cancellationToken))
        {
            throw SessionNotFound();
        }

        if (!mayExtend)
        {
            return session;
        }

        // Rolling renews the session's own window (its max_age from now, as express-session's rolling cookies do): never
        // longer than the lifetime it was created with, whatever the application's session_config says now.
        var settings = await loginSettings.GetAsync(tenant, cancellationToken);
        if (settings.SessionIsRolling)
        {
            var rolled = now.AddSeconds(session.MaxAge);
            if (rolled - session.ExpiresAt >= RollingGranularity &&
                await store.ExtendAsync(tenant, session.Id, rolled, now, cancellationToken))
            {
                session.ExpiresAt = rolled;
            }
        }

        return session;
    }

    /// <summary>The reason an admin gave for ending sessions, where the user's other reasons are: their timeline.</summary>
    private static TimelineEvent OnTimeline(string type, string title, SessionRevocation revocation) =>
        new() { Type = type, Title = title, SubTitle = revocation.Reason, Date = revocation.At };

    /// <summary>
    /// The check after the insert: a block, archive or delete that ran between the first read of the user and the insert
    /// may have revoked the user's sessions before this one existed. Such a session carries an old sign-in generation and
    /// never verifies; it is revoked here as well and the create answers 409, so nothing live is left behind.
    /// </summary>
    private async Task EnsureStillCanSignInAsync(Tenant tenant, UserSession session, CancellationToken cancellationToken)
    {
        if (await CanSignInAsync(tenant, session, cancellationToken))
        {
            return;
        }

        var revocation = new SessionRevocation(Ids.New(), clock.UtcNowMs(), "userauth", "the user stopped being able to sign in");
        if (await store.RevokeAsync(tenant, session.UserId, session.Id, revocation, CancellationToken.None))
        {
            metrics.SessionsRevoked(1, "user_state");
        }

        throw new ConflictException("The user was blocked, archived or deleted while the session was being created.",
            "user_state_changed");
    }

    /// <summary>True while the session's user is live, active and still in the sign-in generation the session was made in.</summary>
    private async Task<bool> CanSignInAsync(Tenant tenant, UserSession session, CancellationToken cancellationToken)
    {
        try
        {
            var user = await users.GetAsync(tenant, session.UserId, cancellationToken);
            return user.CanHaveSessions() && user.SessionEpoch == session.UserEpoch;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    private async Task<long> DefaultMaxAgeAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var settings = await loginSettings.GetAsync(tenant, cancellationToken);
        var seconds = (long)settings.SessionDuration.TotalSeconds;
        return Math.Clamp(seconds, 1, SessionRules.MaxAgeLimit);
    }

    private static void EnsureCanSignIn(User user)
    {
        if (user.State != UserState.Live)
        {
            throw new ConflictException(
                $"The user is {user.State.ToString().ToLowerInvariant()}; only live users can have sessions.", "user_not_live");
        }

        if (!user.Active)
        {
            throw new ConflictException("The user is blocked; unblock the user before creating a session.", "user_blocked");
        }
    }

    private static NotFoundException SessionNotFound() => new("Session not found.", "session_not_found");
}
