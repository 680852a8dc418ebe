using Microsoft.Extensions.Options;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Idempotency;

/// <summary>
/// Removes expired idempotency keys from a store that does not expire them by itself (SQLite), every
/// <see cref="IdempotencyOptions.SweepIntervalSeconds"/> with jitter, in batches. Expired keys are already ignored by
/// every read; sweeping only frees the space, and several instances sweeping at once do no harm.
/// </summary>
internal sealed partial class IdempotencySweeper(
    IIdempotencyStore store,
    IOptions<IdempotencyOptions> options,
    TimeProvider clock,
    ILogger<IdempotencySweeper> logger) : BackgroundService
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
                LogSweepFailed(logger, e);
            }
        }
    }

    /// <summary>One sweep: deletes batches until none is left; returns how many keys it removed.</summary>
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

        return total;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired idempotency keys failed; retrying in the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
