using Microsoft.Extensions.Options;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Sessions;

/// <summary>
/// Removes expired sessions (live or revoked) from stores that do not expire them by themselves (SQLite). Runs every
/// <see cref="UserSessionOptions.SweepIntervalSeconds"/> (with jitter, so instances spread out), in batches. Deleting
/// what expired is idempotent: several instances sweeping the same store at once do no harm.
/// </summary>
internal sealed class ExpiredSessionSweeper(
    ISessionStore store,
    IOptions<UserSessionOptions> options,
    TimeProvider clock,
    ILogger<ExpiredSessionSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store.ExpiresByItself)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var interval = TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds * (0.9 + (Random.Shared.NextDouble() * 0.2)));
            try
            {
                await Task.Delay(interval, stoppingToken);
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Sweeping expired sessions failed; retrying in the next interval");
            }
        }
    }

    /// <summary>One sweep: deletes batches until none is left; returns how many sessions it removed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var batch = options.Value.SweepBatchSize;
        var now = clock.UtcNowMs();
        var total = 0;
        int deleted;
        do
        {
            deleted = await store.DeleteExpiredAsync(now, batch, cancellationToken);
            total += deleted;
        }
        while (deleted == batch && !cancellationToken.IsCancellationRequested);

        if (total > 0)
        {
            logger.LogInformation("Removed {Count} expired sessions", total);
        }

        return total;
    }
}
