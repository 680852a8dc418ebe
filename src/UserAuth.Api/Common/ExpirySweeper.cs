namespace UserAuth.Api.Common;

/// <summary>
/// Removes expired rows from a store that does not expire them by itself (SQLite; MongoDB has TTL indexes), every
/// <see cref="IntervalSeconds"/> with ±10% jitter (so instances spread out), in batches of <see cref="BatchSize"/>.
/// Deleting what expired is idempotent: several instances sweeping one store at once do no harm. A feature derives
/// one per store port (sessions, idempotency keys, audit records).
/// </summary>
internal abstract class ExpirySweeper(TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>True when the store expires rows itself: the sweeper then does nothing.</summary>
    protected abstract bool ExpiresByItself { get; }

    protected abstract double IntervalSeconds { get; }

    protected abstract int BatchSize { get; }

    /// <summary>What is swept, plural, for the log ("expired sessions").</summary>
    protected abstract string What { get; }

    /// <summary>Deletes at most <paramref name="batch"/> rows that expired before <paramref name="now"/>.</summary>
    protected abstract Task<int> DeleteExpiredAsync(DateTime now, int batch, CancellationToken cancellationToken);

    /// <summary>Called after a sweep with how many rows it removed.</summary>
    protected virtual void OnSwept(int removed)
    {
    }

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (ExpiresByItself)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var interval = TimeSpan.FromSeconds(IntervalSeconds * (0.9 + (Random.Shared.NextDouble() * 0.2)));
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
                logger.LogWarning(e, "Sweeping {What} failed; retrying in the next interval", What);
            }
        }
    }

    /// <summary>One sweep: deletes batches until none is left; returns how many rows it removed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var batch = BatchSize;
        var now = clock.UtcNowMs();
        var total = 0;
        int deleted;
        do
        {
            deleted = await DeleteExpiredAsync(now, batch, cancellationToken);
            total += deleted;
        }
        while (deleted == batch && !cancellationToken.IsCancellationRequested);

        OnSwept(total);
        return total;
    }
}
