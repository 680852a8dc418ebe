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
    ServiceMetrics metrics, ILogger<ErasureService> logger)
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
                var user = await users.MutateAsync(new Tenant(due.CompanyId, due.ApplicationId), due, user =>
                {
                    if (user.State != UserState.Deleted || user.DeleteOn > now)
                    {
                        return false;
                    }

                    Erase(user, now);
                    return true;
                }, cancellationToken);
                erased += user.State == UserState.Erased ? 1 : 0;
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
        // Reasons may hold what the customer wrote: they go too.
        foreach (var e in user.Timeline)
        {
            e.SubTitle = null;
        }

        user.Timeline.Add(new TimelineEvent { Type = "erased", Title = "Personal data erased", Date = now });
    }
}
