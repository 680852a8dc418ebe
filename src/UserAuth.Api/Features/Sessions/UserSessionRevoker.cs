using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Sessions;

/// <summary>Ends every session of a user at once, for block, archive and delete.</summary>
internal sealed class UserSessionRevoker(ISessionStore store, TimeProvider clock, ServiceMetrics metrics, ILogger<UserSessionRevoker> logger)
    : IUserSessionRevoker
{
    public async Task<int> RevokeAllAsync(Tenant tenant, string userId, string reason, string actor, CancellationToken cancellationToken)
    {
        var revocation = new SessionRevocation(Ids.New(), clock.UtcNowMs(), actor, reason);
        var count = await store.RevokeAllAsync(tenant, userId.ToLowerInvariant(), revocation, cancellationToken);
        metrics.SessionsRevoked(count, "user_state");
        if (count > 0)
        {
            logger.LogInformation("Revoked {Count} sessions of user {UserId} in application {ApplicationId} by {Actor}",
                count, userId, tenant.ApplicationId, actor);
        }

        return count;
    }
}
