using Microsoft.Extensions.Options;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>
/// Runs jobs in the background. An instance claims a job by writing itself as the lease owner, conditional on the
/// job's version, so two instances never run the same job; a job whose lease ends unrenewed (its instance died) is
/// claimed again and resumes from its last checkpoint. Stopping the host gives the lease back at once.
/// </summary>
internal sealed class BulkJobRunner(
    IBulkJobStore store,
    ImportProcessor imports,
    ExportProcessor exports,
    BulkJobSignal signal,
    IOptions<BulkJobOptions> options,
    TimeProvider clock,
    ServiceMetrics metrics,
    ILogger<BulkJobRunner> logger) : BackgroundService
{
    /// <summary>This instance's name in leases.</summary>
    public string InstanceId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunJobs)
        {
            return Task.CompletedTask;
        }

        return Task.WhenAll(Enumerable.Range(0, options.Value.Concurrency).Select(_ => Task.Run(() => WorkAsync(stoppingToken), stoppingToken)));
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromSeconds(options.Value.PollSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var job = await ClaimAsync(stoppingToken);
                if (job is null)
                {
                    await signal.WaitAsync(poll * (0.8 + (Random.Shared.NextDouble() * 0.4)), stoppingToken);
                    continue;
                }

                await RunAsync(job, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Looking for bulk jobs failed; retrying");
                await Task.Delay(poll, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// Reads the claimable jobs (pending, or running with an ended lease; at most 10, oldest first) and reports them as
    /// the <c>bulk_jobs</c> queue: depth (capped at 10) and the oldest one's age since it was created.
    /// </summary>
    public async Task<IReadOnlyList<BulkJob>> ReportQueueAsync(DateTime now, CancellationToken cancellationToken)
    {
        var claimable = await store.FindClaimableAsync(now, 10, cancellationToken);
        metrics.ReportJobQueue("bulk_jobs", claimable.Count, claimable.Count == 0 ? TimeSpan.Zero : now - claimable[0].CreatedAt);
        return claimable;
    }

    /// <summary>Claims the oldest claimable job, or returns null when there is none (or others won them all).</summary>
    public async Task<BulkJob?> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = clock.UtcNowMs();
        foreach (var job in await ReportQueueAsync(now, cancellationToken))
        {
            var expected = job.Version;
            job.Version++;
            job.UpdatedAt = now;
            if (job.Attempts >= options.Value.MaxAttempts)
            {
                Finish(job, now, JobStatus.Failed, $"the job stopped {job.Attempts} times without finishing");
                await store.ReplaceAsync(job, expected, cancellationToken);
                continue;
            }

            job.Status = JobStatus.Running;
            job.LeaseOwner = InstanceId;
            job.LeaseUntil = now + TimeSpan.FromSeconds(options.Value.LeaseSeconds);
            job.Attempts++;
            job.StartedAt ??= now;
            if (await store.ReplaceAsync(job, expected, cancellationToken))
            {
                return job;
            }
        }

        return null;
    }

    /// <summary>Runs a claimed job until it finishes, fails, loses its lease or the host stops.</summary>
    public async Task RunAsync(BulkJob job, CancellationToken stoppingToken)
    {
        await using var run = new JobRun(job, store, clock, TimeSpan.FromSeconds(options.Value.LeaseSeconds), stoppingToken);
        logger.LogInformation("Running {Action} job {JobId} (attempt {Attempt}, from row {Row})", job.ActionType, job.Id, job.Attempts, job.RowsDone);
        try
        {
            if (job.ActionType == JobAction.Import)
            {
                await imports.RunAsync(run);
            }
            else
            {
                await exports.RunAsync(run);
            }

            await run.EndAsync(j => Finish(j, clock.UtcNowMs(), StatusOf(j), ReasonOf(j)));
            logger.LogInformation("{Action} job {JobId} {Status}: {Success} written, {Error} rejected",
                job.ActionType, job.Id, job.Status, job.Success, job.Error);
        }
        catch (BulkJobFailedException e)
        {
            await run.EndAsync(j => Finish(j, clock.UtcNowMs(), JobStatus.Failed, e.Message));
            logger.LogInformation("{Action} job {JobId} failed: {Reason}", job.ActionType, job.Id, e.Message);
        }
        catch (Exception) when (run.LeaseLost)
        {
            logger.LogWarning("Job {JobId} was taken over by another instance; this run stopped", job.Id);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Give the lease back: another instance (or this one after a restart) resumes from the checkpoint. A
            // graceful stop (a deploy) is not a failed attempt.
            await run.EndAsync(j => j.Attempts = Math.Max(0, j.Attempts - 1));
            logger.LogInformation("Job {JobId} paused at row {Row} for the host's stop", job.Id, job.RowsDone);
        }
        catch (Exception e)
        {
            // Unexpected (the store unreachable...): the job is retried after a lease length, up to MaxAttempts runs.
            logger.LogError(e, "Job {JobId} stopped by an error; it will be retried", job.Id);
            try
            {
                await run.EndAsync(_ => { }, TimeSpan.FromSeconds(options.Value.LeaseSeconds));
            }
            catch (Exception inner)
            {
                logger.LogWarning(inner, "Job {JobId}: giving the lease back failed; it is retried once the lease ends", job.Id);
            }
        }
    }

    private void Finish(BulkJob job, DateTime now, string status, string? reason)
    {
        job.Status = status;
        job.FailureReason = reason;
        job.FinishedAt = now;
        job.FilesExpireAt = now + TimeSpan.FromHours(options.Value.FileRetentionHours);
        job.LeaseOwner = null;
        job.LeaseUntil = null;
    }

    private static string StatusOf(BulkJob job) =>
        job.Error == 0 ? JobStatus.Completed : job.Success == 0 ? JobStatus.Failed : JobStatus.PartiallyCompleted;

    private static string? ReasonOf(BulkJob job) =>
        job.Error > 0 && job.Success == 0 ? "every row was rejected; the error file says why" : null;
}

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
