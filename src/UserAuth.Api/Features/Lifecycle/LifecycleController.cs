using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Features.Lifecycle;

[Tags("Customer lifecycle")]
internal sealed class LifecycleController(LifecycleService lifecycle) : PlatformController
{
    /// <summary>blockOrUnblockUsers: status false blocks (active: false, sessions revoked), true unblocks. Unknown ids: 404, nothing changed.</summary>
    [HttpPut("customers/activation")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(BlockUserSuccess), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<BlockUserSuccess> BlockOrUnblockUsers([FromBody] BlockUserRequestSchema body, CancellationToken cancellationToken) =>
        BlockUserSuccess.From(await lifecycle.BlockOrUnblockAsync(Tenant, body.UserId!, block: body.Status == false, body.Reason,
            Actor, cancellationToken));

    /// <summary>archiveUser: removes the user from the sales channel; their username, emails and phones become free.</summary>
    [HttpPut("customers/archive")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(ArchiveUserSuccess), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<ArchiveUserSuccess> ArchiveUser([FromBody] ArchiveUserRequestSchema body, CancellationToken cancellationToken) =>
        ArchiveUserSuccess.From(await lifecycle.ArchiveAsync(Tenant, body.UserId!, body.Reason, Actor, cancellationToken));

    /// <summary>
    /// Delete a customer (not in the reference client): marked deleted, restorable with unDeleteUser until
    /// <c>delete_on</c> = now + the application's <c>delete_account_day</c>; then the personal data is erased.
    /// </summary>
    [HttpDelete("customers/{user_id}")]
    [EndpointName("deleteUser")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(DeleteUserSuccess), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<DeleteUserSuccess> DeleteUser([FromRoute(Name = "user_id")] string userId, [FromQuery] DeleteUserQuery query,
        CancellationToken cancellationToken) =>
        DeleteUserSuccess.From(await lifecycle.DeleteAsync(Tenant, userId, query.Reason!, Actor, cancellationToken));

    /// <summary>unDeleteUser: restores a deleted user inside the restore window; refused after it or for a user never deleted.</summary>
    [HttpPut("customers/undelete")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(UnDeleteUserSuccess), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<UnDeleteUserSuccess> UnDeleteUser([FromBody] UnDeleteUserRequestSchema body, CancellationToken cancellationToken)
    {
        await lifecycle.UnDeleteAsync(Tenant, body.UserId!, body.Reason, body.ReasonId, cancellationToken);
        return new UnDeleteUserSuccess(true);
    }

    /// <summary>getUserTimeline: the user's lifecycle events (created, blocked, unblocked, archived, deleted, restored, erased).</summary>
    [HttpGet("customers/{user_id}/timeline")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(UserTimelineSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<UserTimelineSchema> GetUserTimeline([FromRoute(Name = "user_id")] string userId, CancellationToken cancellationToken)
    {
        var (user, events) = await lifecycle.TimelineAsync(Tenant, userId, cancellationToken);
        return UserTimelineSchema.From(user, events);
    }
}
