using Microsoft.Extensions.Options;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Sessions;

/// <summary>
/// Removes expired sessions, live or revoked (SQLite), every <see cref="UserSessionOptions.SweepIntervalSeconds"/>.
/// </summary>
internal sealed class ExpiredSessionSweeper(
    ISessionStore store,
    IOptions<UserSessionOptions> options,
    TimeProvider clock,
    ILogger<ExpiredSessionSweeper> logger) : ExpirySweeper(clock, logger)
{
    protected override bool ExpiresByItself => store.ExpiresByItself;

    protected override double IntervalSeconds => options.Value.SweepIntervalSeconds;

    protected override int BatchSize => options.Value.SweepBatchSize;

    protected override string What => "expired sessions";

    protected override Task<int> DeleteExpiredAsync(DateTime now, int batch, CancellationToken cancellationToken) =>
        store.DeleteExpiredAsync(now, batch, cancellationToken);

    protected override void OnSwept(int removed)
    {
        if (removed > 0)
        {
            logger.LogInformation("Removed {Count} expired sessions", removed);
        }
    }
}
