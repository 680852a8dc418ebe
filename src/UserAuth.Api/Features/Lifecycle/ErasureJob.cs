using Microsoft.Extensions.Options;

namespace UserAuth.Api.Features.Lifecycle;

/// <summary>Runs the erasure of due deleted users every <c>Lifecycle:ErasureIntervalSeconds</c>, batch after batch.</summary>
internal sealed class ErasureJob(ErasureService erasure, IOptions<ErasureOptions> options, ILogger<ErasureJob> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ErasureJobEnabled)
        {
            return;
        }

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
