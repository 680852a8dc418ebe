using UserAuth.Api.Common;
using UserAuth.Api.Features.Audit;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.PlatformConfig;
using UserAuth.Api.Features.Sessions;

namespace UserAuth.Api.Features.Lifecycle;

/// <summary>What block / unblock did: the users (lower-cased, distinct) and how many live sessions ended.</summary>
internal sealed record BlockOutcome(IReadOnlyList<string> UserIds, int RevokedSessions);

/// <summary>The user after archive or delete, and how many live sessions ended with it.</summary>
internal sealed record LifecycleOutcome(User User, int RevokedSessions);

/// <summary>
/// Whether a customer can use the storefront: block / unblock, archive, delete with a restore window, undelete.
/// Block, archive and delete end every live session of the user in the same request.
/// </summary>
internal sealed class LifecycleService(
    IUserStore store,
    UserService users,
    IUserSessionRevoker sessions,
    ILoginSettings settings,
    AuditService audit,
    TimelineEventWriter events,
    TimeProvider clock,
    ILogger<LifecycleService> logger)
{
    /// <summary>The fields of blockOrUnblockUsers' body that change a user whose state it changes.</summary>
    private static readonly string[] Changed = ["status", "reason"];

    public async Task<BlockOutcome> BlockOrUnblockAsync(Tenant tenant, IReadOnlyList<string> userIds, bool block, string? reason,
        string actor, CancellationToken cancellationToken)
    {
        var ids = userIds.Select(id => id.ToLowerInvariant()).Distinct().ToList();

        // Every id is checked before anything is written: unknown or unusable ids are reported, nothing is half done.
        var found = (await store.FindByIdsAsync(tenant, ids, cancellationToken)).ToDictionary(u => u.Id);
        var unknown = ids.Where(id => !found.TryGetValue(id, out var u) || u.State == UserState.Erased).ToList();
        if (unknown.Count > 0)
        {
            throw new NotFoundException($"No such user: {string.Join(", ", unknown)}.", "user_not_found",
                unknown.Select(id => new FieldError("user_id", $"{id} is not a user of this application")).ToList());
        }

        var notLive = ids.Where(id => found[id].State != UserState.Live).ToList();
        if (notLive.Count > 0)
        {
            throw new ConflictException($"Only live users can be blocked or unblocked: {string.Join(", ", notLive)}.",
                "user_not_live", notLive.Select(id => new FieldError("user_id", $"{id} is {found[id].State.ToString().ToLowerInvariant()}")).ToList());
        }

        var revoked = 0;
        var done = new List<string>();
        foreach (var id in ids)
        {
            var happened = false;
            try
            {
                await events.AroundAsync(tenant, id, Event(block ? "blocked" : "unblocked", block ? "Account blocked" : "Account unblocked", reason),
                    () => users.MutateAsync(tenant, found[id], user =>
                    {
                        happened = false;
                        if (user.State != UserState.Live)
                        {
                            throw new ConflictException("The user is no longer live.", "user_not_live");
                        }

                        if (user.Active == !block)
                        {
                            return false;
                        }

                        user.Active = !block;
                        happened = true;
                        return true;
                    }, cancellationToken), _ => happened);
            }
            catch (ConflictException e) when (done.Count > 0 && e.Code == "user_not_live")
            {
                // Every user was live when checked; this one stopped being live (archived or deleted by another
                // request) while the users before it were already changed: those changes stay, and the answer says so.
                throw new ConflictException(
                    $"{id} is no longer live; the request stopped there. Already {(block ? "blocked" : "unblocked")} " +
                    $"{(block ? "(they stay so, their sessions revoked)" : "(they stay so)")}: {string.Join(", ", done)}.",
                    "user_not_live", [new FieldError("user_id", $"{id} is no longer live")]);
            }

            ChangedFields.ReportFor(id, happened ? Changed : [], wrote: happened);
            var ended = block ? await sessions.RevokeAllAsync(tenant, id, reason ?? "blocked", actor, cancellationToken) : 0;
            ChangedFields.ReportFor(id, [], wrote: ended > 0);
            revoked += ended;
            done.Add(id);
        }

        logger.LogInformation("{Action} {Count} users in application {ApplicationId}; revoked {Sessions} sessions",
            block ? "Blocked" : "Unblocked", ids.Count, tenant.ApplicationId, revoked);
        return new BlockOutcome(ids, revoked);
    }

    public async Task<LifecycleOutcome> ArchiveAsync(Tenant tenant, string userId, string? reason, string actor,
        CancellationToken cancellationToken)
    {
        var happened = false;
        var user = await events.AroundAsync(tenant, userId.ToLowerInvariant(), Event("archived", "Account archived", reason),
            () => users.MutateAsync(tenant, userId, user =>
            {
                happened = false;
                switch (user.State)
                {
                    case UserState.Archived:
                        return false;
                    case UserState.Deleted:
                        throw new ConflictException("A deleted user cannot be archived; restore them first.", "user_deleted");
                }

                user.State = UserState.Archived;
                happened = true;
                return true;
            }, cancellationToken), _ => happened);

        ChangedFields.ReportFor(user.Id, happened ? ["reason"] : [], wrote: happened);
        var revoked = await sessions.RevokeAllAsync(tenant, user.Id, reason ?? "archived", actor, cancellationToken);
        ChangedFields.ReportFor(user.Id, [], wrote: revoked > 0);
        logger.LogInformation("Archived user {UserId}; revoked {Sessions} sessions", user.Id, revoked);
        return new LifecycleOutcome(user, revoked);
    }

    public async Task<LifecycleOutcome> DeleteAsync(Tenant tenant, string userId, string reason, string actor,
        CancellationToken cancellationToken)
    {
        reason = reason.Trim();
        var days = (await settings.GetAsync(tenant, cancellationToken)).DeleteAccountDays;
        var happened = false;
        var user = await events.AroundAsync(tenant, userId.ToLowerInvariant(), Event("deleted", "Account deletion requested", reason),
            () => users.MutateAsync(tenant, userId, user =>
            {
                happened = false;
                switch (user.State)
                {
                    case UserState.Deleted:
                        return false; // a retry answers the same restore window
                    case UserState.Archived:
                        throw new ConflictException("An archived user cannot be deleted.", "user_archived");
                }

                var now = clock.UtcNowMs();
                user.State = UserState.Deleted;
                user.DeletedAt = now;
                user.DeleteOn = now.AddDays(days);
                happened = true;
                return true;
            }, cancellationToken), _ => happened);

        ChangedFields.ReportFor(user.Id, [], wrote: happened); // the reason is in the query, not a field of the body
        var revoked = await sessions.RevokeAllAsync(tenant, user.Id, reason, actor, cancellationToken);
        ChangedFields.ReportFor(user.Id, [], wrote: revoked > 0);
        logger.LogInformation("Deleted user {UserId} (restorable until {DeleteOn}); revoked {Sessions} sessions",
            user.Id, user.DeleteOn, revoked);
        return new LifecycleOutcome(user, revoked);
    }

    /// <summary>Restores a deleted user; the timeline's event shows the reason and the reason id (one of the config's
    /// <c>delete_account_reasons</c>) when given.</summary>
    public async Task UnDeleteAsync(Tenant tenant, string userId, string? reason, string? reasonId, CancellationToken cancellationToken)
    {
        var existing = await store.FindByIdAsync(tenant, userId.ToLowerInvariant(), cancellationToken)
                       ?? throw UserService.UserNotFound();
        if (existing.State == UserState.Erased)
        {
            throw WindowPassed();
        }

        // Every change the lambda does not refuse happens: the event goes only with a refusal (an ApiException).
        await events.AroundAsync(tenant, existing.Id, Event("restored", "Account deletion cancelled", WithReasonId(reason, reasonId)),
            () => users.MutateAsync(tenant, existing, user =>
            {
                if (user.State == UserState.Erased || (user.State == UserState.Deleted && clock.UtcNowMs() > user.DeleteOn))
                {
                    throw WindowPassed();
                }

                if (user.State != UserState.Deleted)
                {
                    throw new ConflictException("The user was not deleted.", "user_not_deleted");
                }

                user.State = UserState.Live;
                user.DeletedAt = null;
                user.DeleteOn = null;
                return true;
            }, cancellationToken), _ => true);
        ChangedFields.ReportFor(existing.Id, ["reason", "reason_id"], wrote: true);
        logger.LogInformation("Restored user {UserId}", existing.Id);
    }

    /// <summary>The user and their timeline (kept in the audit store; see <see cref="AuditService.TimelineAsync"/>).</summary>
    public async Task<(User User, IReadOnlyList<TimelineEvent> Events)> TimelineAsync(Tenant tenant, string userId,
        CancellationToken cancellationToken)
    {
        var user = await users.GetAsync(tenant, userId, cancellationToken);
        return (user, await audit.TimelineAsync(tenant, user, cancellationToken));
    }

    private TimelineEvent Event(string type, string title, string? reason) =>
        new() { Type = type, Title = title, SubTitle = string.IsNullOrWhiteSpace(reason) ? null : reason, Date = clock.UtcNowMs() };

    private static string? WithReasonId(string? reason, string? reasonId) =>
        string.IsNullOrWhiteSpace(reasonId) ? reason
        : string.IsNullOrWhiteSpace(reason) ? $"reason_id: {reasonId.Trim()}"
        : $"{reason.Trim()} (reason_id: {reasonId.Trim()})";

    private static ConflictException WindowPassed() =>
        new("The restore window of this user has passed; the account cannot be restored.", "restore_window_passed");
}
