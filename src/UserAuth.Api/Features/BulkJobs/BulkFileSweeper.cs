using Microsoft.Extensions.Options;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>Removes the files of finished jobs once their retention ends, every <see cref="BulkJobOptions.SweepSeconds"/>.</summary>
internal sealed class BulkFileSweeper(
    IBulkJobStore store,
    BulkFiles files,
    IOptions<BulkJobOptions> options,
    TimeProvider clock,
    ILogger<BulkFileSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(options.Value.SweepSeconds * (0.9 + (Random.Shared.NextDouble() * 0.2))), clock, stoppingToken);
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Removing expired job files failed; retrying in the next interval");
            }
        }
    }

    /// <summary>One pass: removes every due job's files and records it; returns how many jobs it cleared.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cleared = 0;
        while (true)
        {
            var due = await store.FindFilesDueAsync(clock.UtcNowMs(), 100, cancellationToken);
            if (due.Count == 0)
            {
                return cleared;
            }

            foreach (var job in due)
            {
                files.DeleteAll(job);
                var expected = job.Version;
                job.Version++;
                job.FilesRemoved = true;
                job.FilesExpireAt = null;
                job.UpdatedAt = clock.UtcNowMs();
                // Losing the race to another instance's sweep is fine: it removed the same files.
                if (await store.ReplaceAsync(job, expected, cancellationToken))
                {
                    cleared++;
                }
            }
        }
    }
}
