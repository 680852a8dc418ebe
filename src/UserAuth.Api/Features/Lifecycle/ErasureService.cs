using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Lifecycle;

internal sealed class ErasureOptions
{
    public const string Section = "Lifecycle";

    /// <summary>How often the erasure job looks for deleted users whose restore window has passed.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 86_400)]
    public int ErasureIntervalSeconds { get; set; } = 300;

    [System.ComponentModel.DataAnnotations.Range(1, 10_000)]
    public int ErasureBatchSize { get; set; } = 200;
}

/// <summary>
/// Erases the personal data of deleted users once their restore window has passed. Idempotent, and safe with
/// several instances: each erasure is a write conditional on the user's version, so one instance wins, and a user
/// restored in the meantime is left alone.
/// </summary>
internal sealed class ErasureService(IUserStore store, UserService users, TimeProvider clock, IOptions<ErasureOptions> options,
    ILogger<ErasureService> logger)
{
    public async Task<int> EraseDueAsync(CancellationToken cancellationToken)
    {
        var erased = 0;
        var now = clock.UtcNowMs();
        foreach (var due in await store.FindDeletedDueAsync(now, options.Value.ErasureBatchSize, cancellationToken))
        {
            try
            {
                var user = await users.MutateAsync(new Tenant(due.CompanyId, due.ApplicationId), due.Id, user =>
                {
                    if (user.State != UserState.Deleted || user.DeleteOn > now)
                    {
                        return false;
                    }

                    Erase(user, now);
                    return true;
                }, ConflictFields.Update, cancellationToken);
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

internal sealed class ErasureJob(ErasureService erasure, IOptions<ErasureOptions> options, ILogger<ErasureJob> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ErasureIntervalSeconds));
        do
        {
            try
            {
                while (await erasure.EraseDueAsync(stoppingToken) >= options.Value.ErasureBatchSize)
                {
                    // a full batch: there may be more due
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The erasure job failed; it runs again in {Seconds} s", options.Value.ErasureIntervalSeconds);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
