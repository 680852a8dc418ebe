using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Lifecycle;

/// <summary>
/// Erases the personal data of deleted users once their restore window has passed. Idempotent, and safe with
/// several instances: each erasure is a write conditional on the user's version, so one instance wins, and a user
/// restored in the meantime is left alone.
/// </summary>
internal sealed class ErasureService(IUserStore store, UserService users, TimeProvider clock, IOptions<ErasureOptions> options,
    ServiceMetrics metrics, Audit.AuditService audit, Audit.TimelineEventWriter events, ILogger<ErasureService> logger)
{
    public async Task<int> EraseDueAsync(CancellationToken cancellationToken)
    {
        var erased = 0;
        var now = clock.UtcNowMs();
        var found = await store.FindDeletedDueAsync(now, options.Value.ErasureBatchSize, cancellationToken);
        // The queue as this run finds it: due users (at most one batch) and how long the longest-due one has waited.
        metrics.ReportJobQueue("erasure", found.Count,
            found.Count == 0 ? TimeSpan.Zero : now - found.Min(u => u.DeleteOn ?? now));
        foreach (var due in found)
        {
            try
            {
                var tenant = new Tenant(due.CompanyId, due.ApplicationId);
                var erasedNow = false;
                var user = await events.AroundAsync(tenant, due.Id, new TimelineEvent { Type = "erased", Title = "Personal data erased", Date = now },
                    () => users.MutateAsync(tenant, due, user =>
                    {
                        erasedNow = false;
                        if (user.State != UserState.Deleted || user.DeleteOn > now)
                        {
                            return false;
                        }

                        Erase(user, now);
                        erasedNow = true;
                        return true;
                    }, cancellationToken), _ => erasedNow);
                if (erasedNow)
                {
                    // The timeline's reasons may hold what the customer wrote: they go too.
                    await audit.ClearReasonsAsync(tenant, user.Id, cancellationToken);
                    erased++;
                }
            }
            catch (NotFoundException)
            {
                // erased by another instance meanwhile
            }
        }

        if (erased > 0)
        {
            logger.LogInformation("Erased the personal data of {Count} deleted users", erased);
        }

        return erased;
    }

    private static void Erase(User user, DateTime now)
    {
        user.State = UserState.Erased;
        user.Username = "erased_" + user.Id;
        user.FirstName = null;
        user.LastName = null;
        user.Gender = null;
        user.Dob = null;
        user.ExternalId = null;
        user.RrId = null;
        user.ProfilePicUrl = null;
        user.Meta = "{}";
        user.Emails = [];
        user.PhoneNumbers = [];
        user.Active = false;
        // Reasons may hold what the customer wrote: they go too (events kept in the user document by older versions;
        // the audit store's events are cleared after the write).
        foreach (var e in user.Timeline)
        {
            e.SubTitle = null;
        }
    }
}
