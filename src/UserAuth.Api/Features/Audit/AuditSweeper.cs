using Microsoft.Extensions.Options;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Audit;

/// <summary>
/// Removes expired audit records from a store that does not expire them by itself (SQLite), every
/// <see cref="AuditOptions.SweepIntervalSeconds"/> with jitter, in batches; several instances sweeping at once do no harm.
/// </summary>
internal sealed partial class AuditSweeper(
    IAuditStore store,
    IOptions<AuditOptions> options,
    TimeProvider clock,
    ILogger<AuditSweeper> logger) : BackgroundService
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

    /// <summary>One sweep: deletes batches until none is left; returns how many records it removed.</summary>
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired audit records failed; retrying in the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
