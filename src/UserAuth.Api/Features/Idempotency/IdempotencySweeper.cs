using Microsoft.Extensions.Options;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Idempotency;

/// <summary>
/// Removes expired idempotency keys (SQLite) every <see cref="IdempotencyOptions.SweepIntervalSeconds"/>. Expired keys
/// are already ignored by every read; sweeping only frees the space.
/// </summary>
internal sealed class IdempotencySweeper(
    IIdempotencyStore store,
    IOptions<IdempotencyOptions> options,
    TimeProvider clock,
    ILogger<IdempotencySweeper> logger) : ExpirySweeper(clock, logger)
{
    protected override bool ExpiresByItself => store.ExpiresByItself;

    protected override double IntervalSeconds => options.Value.SweepIntervalSeconds;

    protected override int BatchSize => options.Value.SweepBatchSize;

    protected override string What => "expired idempotency keys";

    protected override Task<int> DeleteExpiredAsync(DateTime now, int batch, CancellationToken cancellationToken) =>
        store.DeleteExpiredAsync(now, batch, cancellationToken);
}
