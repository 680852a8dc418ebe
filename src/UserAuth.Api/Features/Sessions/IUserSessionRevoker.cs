using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Sessions;

/// <summary>What the customer lifecycle (block, archive, delete) needs of sessions: end them all at once.</summary>
internal interface IUserSessionRevoker
{
    /// <summary>Revokes every live session of the user, recording who, when and why; returns how many were live.</summary>
    Task<int> RevokeAllAsync(Tenant tenant, string userId, string reason, string actor, CancellationToken cancellationToken);
}
