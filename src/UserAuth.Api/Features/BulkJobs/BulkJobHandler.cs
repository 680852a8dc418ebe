using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Common.Jobs;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>
/// Runs bulk jobs from the shared work queue (<c>Common/Jobs</c>, kind <see cref="JobKind"/>): the queue's lease makes
/// sure two instances never run one job, and a job whose instance died is taken over when its lease ends and resumes
/// from the job's last checkpoint (rows done, file lengths, export cursor). Status: <c>pending</c> until a run starts,
/// <c>running</c>, then <c>completed</c>, <c>partially_completed</c> or <c>failed</c> with the reason (a
/// <see cref="BulkJobFailedException"/>, or <see cref="JobOptions.MaxAttempts"/> runs ending in an unexpected error).
/// </summary>
internal sealed class BulkJobHandler(
    IBulkJobStore store,
    ImportProcessor imports,
    ExportProcessor exports,
    IOptions<BulkJobOptions> options,
    TimeProvider clock,
    ILogger<BulkJobHandler> logger) : IJobHandler
{
    /// <summary>The queue's kind of bulk jobs; also the <c>queue</c> label of the queue metrics.</summary>
    public const string JobKind = "bulk_jobs";

    /// <summary>How long a queued job waits for its job document to become visible before it is dropped.</summary>
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(60);

    public string Kind => JobKind;

    public async Task RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var queued = context.Job;
        var job = await store.FindAsync(queued.Tenant, queued.SubjectId, cancellationToken);
        if (job is null)
        {
            if (clock.UtcNowMs() - queued.EnqueuedAt < SettleTime)
            {
                throw new JobRetryLaterException("the job's document is not visible yet");
            }

            return; // never written (a crash between queueing and inserting): nothing to do
        }

        if (JobStatus.IsFinished(job.Status))
        {
            return; // finished before a crash left its queue entry
        }

        var run = new JobRun(job, store, context, clock, cancellationToken);
        if (job.Status == JobStatus.Pending)
        {
            await run.SaveAsync(j =>
            {
                j.Status = JobStatus.Running;
                j.StartedAt ??= clock.UtcNowMs();
            });
        }

        logger.LogInformation("Running {Action} job {JobId} (attempt {Attempt}, from row {Row})", job.ActionType, job.Id,
            queued.Attempts, job.RowsDone);
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
        }
        catch (BulkJobFailedException e)
        {
            throw new JobFailedException(e.Message, e);
        }

        await run.SaveAsync(j => Finish(j, StatusOf(j), ReasonOf(j)));
        logger.LogInformation("{Action} job {JobId} {Status}: {Success} written, {Error} rejected",
            job.ActionType, job.Id, job.Status, job.Success, job.Error);
    }

    public async Task FailAsync(QueuedJob queued, string reason, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var job = await store.FindAsync(queued.Tenant, queued.SubjectId, cancellationToken);
            if (job is null || JobStatus.IsFinished(job.Status))
            {
                return;
            }

            var expected = job.Version;
            Finish(job, JobStatus.Failed, reason);
            job.Version = expected + 1;
            job.UpdatedAt = clock.UtcNowMs();
            if (await store.ReplaceAsync(job, expected, cancellationToken))
            {
                logger.LogInformation("{Action} job {JobId} failed: {Reason}", job.ActionType, job.Id, reason);
                return;
            }
        }

        throw new InvalidOperationException("The job kept changing while its failure was recorded.");
    }

    private void Finish(BulkJob job, string status, string? reason)
    {
        var now = clock.UtcNowMs();
        job.Status = status;
        job.FailureReason = reason;
        job.StartedAt ??= now;
        job.FinishedAt = now;
        job.FilesExpireAt = now + TimeSpan.FromHours(options.Value.FileRetentionHours);
    }

    private static string StatusOf(BulkJob job) =>
        job.Error == 0 ? JobStatus.Completed : job.Success == 0 ? JobStatus.Failed : JobStatus.PartiallyCompleted;

    private static string? ReasonOf(BulkJob job) =>
        job.Error > 0 && job.Success == 0 ? "every row was rejected; the error file says why" : null;
}
