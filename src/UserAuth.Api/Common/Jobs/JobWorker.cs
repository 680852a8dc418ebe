using Microsoft.Extensions.Options;

namespace UserAuth.Api.Common.Jobs;

/// <summary>Runs one kind of queued job. Register with <c>services.AddSingleton&lt;IJobHandler, MyHandler&gt;()</c>.</summary>
internal interface IJobHandler
{
    /// <summary>The <see cref="QueuedJob.Kind"/> this handler runs.</summary>
    string Kind { get; }

    /// <summary>
    /// Does the work, resuming after <c>context.Job.Checkpoint</c>. Must be idempotent per checkpointed batch: a batch
    /// may be applied again after a crash, before its checkpoint was stored. Throw <see cref="JobFailedException"/> for a
    /// failure that retrying cannot fix; any other exception is retried up to <see cref="JobOptions.MaxAttempts"/>.
    /// </summary>
    Task RunAsync(JobContext context, CancellationToken cancellationToken);

    /// <summary>Records on the subject that the job failed for good, with a reason fit to show the caller.</summary>
    Task FailAsync(QueuedJob job, string reason, CancellationToken cancellationToken);
}

/// <summary>A failure retrying will not fix (a refused URL, a malformed file); the reason is shown to the caller.</summary>
internal sealed class JobFailedException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>The job's subject is not visible yet (its write may still be in flight): try again shortly.</summary>
internal sealed class JobRetryLaterException(string reason) : Exception(reason);

/// <summary>Another instance took the job over (our lease ran out): stop without writing anything more.</summary>
internal sealed class JobLeaseLostException() : Exception("The job's lease was lost to another instance.");

/// <summary>What a handler sees of its running job: the job and the way to checkpoint progress.</summary>
internal sealed class JobContext(QueuedJob job, IJobQueueStore queue, string owner, TimeSpan lease, TimeProvider clock)
{
    public QueuedJob Job { get; } = job;

    /// <summary>
    /// Stores <paramref name="checkpoint"/> (and renews the lease) after a batch was applied; throws
    /// <see cref="JobLeaseLostException"/> when another instance holds the job now.
    /// </summary>
    public async Task CheckpointAsync(long checkpoint, CancellationToken cancellationToken)
    {
        if (!await queue.RenewAsync(Job.Id, owner, clock.UtcNowMs() + lease, checkpoint, cancellationToken))
        {
            throw new JobLeaseLostException();
        }
    }
}

/// <summary>Wakes the local worker when this instance queues work (other instances find it at their next poll).</summary>
internal sealed class JobSignal : IDisposable
{
    private readonly SemaphoreSlim signal = new(0, int.MaxValue);

    public void Dispose() => signal.Dispose();

    public void Notify() => signal.Release();

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await signal.WaitAsync(timeout, cancellationToken);
    }
}

/// <summary>Queues jobs for the workers: the API side of the queue.</summary>
internal sealed class JobScheduler(IJobQueueStore queue, JobSignal signal, TimeProvider clock)
{
    public async Task EnqueueAsync(string kind, Tenant tenant, string subjectId, string runId, CancellationToken cancellationToken)
    {
        var now = clock.UtcNowMs();
        await queue.EnqueueAsync(new QueuedJob
        {
            Kind = kind,
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            SubjectId = subjectId,
            RunId = runId,
            AvailableAt = now,
            EnqueuedAt = now,
        }, cancellationToken);
        signal.Notify();
    }
}

/// <summary>
/// The background worker of every instance: claims jobs through a lease in the store (so several instances share the
/// queue and a crashed instance's jobs are taken over when its lease ends), renews the lease while a job runs, and
/// hands the job to the handler of its kind. Unexpected failures are retried with back-off up to
/// <see cref="JobOptions.MaxAttempts"/>; then, or on a <see cref="JobFailedException"/>, the handler marks the subject failed.
/// </summary>
internal sealed class JobWorker(
    IJobQueueStore queue,
    IEnumerable<IJobHandler> handlers,
    JobSignal signal,
    IOptions<JobOptions> options,
    ServiceMetrics metrics,
    TimeProvider clock,
    ILogger<JobWorker> logger) : BackgroundService
{
    private readonly Dictionary<string, IJobHandler> byKind = handlers.ToDictionary(h => h.Kind);

    /// <summary>This instance's name in leases.</summary>
    public string Owner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || byKind.Count == 0)
        {
            return;
        }

        await Task.Yield();
        var loops = Enumerable.Range(0, options.Value.Concurrency).Select(_ => LoopAsync(stoppingToken));
        await Task.WhenAll(loops);
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromMilliseconds(options.Value.PollIntervalMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await RunOneAsync(stoppingToken))
                {
                    await ReportQueuesAsync(stoppingToken);
                    await signal.WaitAsync(poll, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "The job worker failed to claim work; retrying");
                try
                {
                    await Task.Delay(poll, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Reports each kind's queue depth and oldest job to the metrics (queue name = the job kind).</summary>
    public async Task ReportQueuesAsync(CancellationToken cancellationToken)
    {
        var stats = await queue.StatsAsync(byKind.Keys, cancellationToken);
        var now = clock.UtcNowMs();
        foreach (var kind in byKind.Keys)
        {
            var (depth, oldest) = stats.TryGetValue(kind, out var found) ? found : (0, now);
            metrics.ReportJobQueue(kind, depth, now - oldest);
        }
    }

    /// <summary>Claims and runs one job; false when none was available.</summary>
    public async Task<bool> RunOneAsync(CancellationToken stoppingToken)
    {
        var lease = TimeSpan.FromSeconds(options.Value.LeaseSeconds);
        var now = clock.UtcNowMs();
        var job = await queue.ClaimAsync(byKind.Keys, Owner, now, now + lease, stoppingToken);
        if (job is null)
        {
            return false;
        }

        var handler = byKind[job.Kind];
        using var running = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewal = RenewWhileRunningAsync(job, lease, running);
        try
        {
            await handler.RunAsync(new JobContext(job, queue, Owner, lease, clock), running.Token);
            await queue.CompleteAsync(job.Id, Owner, CancellationToken.None);
        }
        catch (JobFailedException e)
        {
            logger.LogInformation("Job {Kind} {JobId} failed: {Reason}", job.Kind, job.Id, e.Message);
            await handler.FailAsync(job, e.Message, CancellationToken.None);
            await queue.CompleteAsync(job.Id, Owner, CancellationToken.None);
        }
        catch (JobLeaseLostException)
        {
            logger.LogInformation("Job {Kind} {JobId} was taken over by another instance", job.Kind, job.Id);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: give the job back at once so another instance (or our restart) resumes it from its checkpoint.
            await queue.ReleaseAsync(job.Id, Owner, clock.UtcNowMs(), "interrupted by shutdown", CancellationToken.None);
        }
        catch (OperationCanceledException) when (running.IsCancellationRequested)
        {
            logger.LogInformation("Job {Kind} {JobId} stopped: its lease was lost", job.Kind, job.Id);
        }
        catch (JobRetryLaterException e)
        {
            await queue.ReleaseAsync(job.Id, Owner, clock.UtcNowMs() + TimeSpan.FromSeconds(1), e.Message, CancellationToken.None);
        }
        catch (Exception e)
        {
            if (job.Attempts >= options.Value.MaxAttempts)
            {
                logger.LogError(e, "Job {Kind} {JobId} failed {Attempts} times; giving up", job.Kind, job.Id, job.Attempts);
                await handler.FailAsync(job, $"processing failed {job.Attempts} times (internal error)", CancellationToken.None);
                await queue.CompleteAsync(job.Id, Owner, CancellationToken.None);
            }
            else
            {
                var backoff = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, job.Attempts)));
                logger.LogWarning(e, "Job {Kind} {JobId} failed (attempt {Attempts}); retrying in {Backoff}", job.Kind, job.Id,
                    job.Attempts, backoff);
                await queue.ReleaseAsync(job.Id, Owner, clock.UtcNowMs() + backoff, e.GetType().Name, CancellationToken.None);
            }
        }
        finally
        {
            await running.CancelAsync();
            await renewal;
        }

        return true;
    }

    private async Task RenewWhileRunningAsync(QueuedJob job, TimeSpan lease, CancellationTokenSource running)
    {
        var every = lease / 3;
        try
        {
            while (true)
            {
                await Task.Delay(every, running.Token);
                if (!await queue.RenewAsync(job.Id, Owner, clock.UtcNowMs() + lease, null, running.Token))
                {
                    await running.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Renewing the lease of job {JobId} failed", job.Id);
        }
    }
}
