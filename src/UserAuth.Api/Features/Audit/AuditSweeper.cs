using Microsoft.Extensions.Options;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Audit;

/// <summary>Removes expired audit records (SQLite) every <see cref="AuditOptions.SweepIntervalSeconds"/>.</summary>
internal sealed class AuditSweeper(IAuditStore store, IOptions<AuditOptions> options, TimeProvider clock, ILogger<AuditSweeper> logger)
    : ExpirySweeper(clock, logger)
{
    protected override bool ExpiresByItself => store.ExpiresByItself;

    protected override double IntervalSeconds => options.Value.SweepIntervalSeconds;

    protected override int BatchSize => options.Value.SweepBatchSize;

    protected override string What => "expired audit records";

    protected override Task<int> DeleteExpiredAsync(DateTime now, int batch, CancellationToken cancellationToken) =>
        store.DeleteExpiredAsync(now, batch, cancellationToken);
}
