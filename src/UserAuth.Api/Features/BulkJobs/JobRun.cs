using UserAuth.Api.Common;
using UserAuth.Api.Common.Jobs;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>A job's expected end with a reason to show the caller (bad header, unreadable file, refused URL...).</summary>
internal sealed class BulkJobFailedException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>
/// One run of a bulk job, claimed from the shared work queue (<see cref="JobWorker"/>, which renews the lease while the
/// run lasts and cancels <see cref="Token"/> when it is lost). Every write of the job goes through
/// <see cref="SaveAsync"/>, fenced twice: the queue checkpoint first (<see cref="JobContext.CheckpointAsync"/> throws
/// <see cref="JobLeaseLostException"/> once another instance holds the job), then a write conditional on the version
/// this run last wrote. So a run whose lease was taken over never writes the job again.
/// </summary>
internal sealed class JobRun(BulkJob job, IBulkJobStore store, JobContext context, TimeProvider clock, CancellationToken token)
{
    public BulkJob Job { get; } = job;

    public Tenant Tenant => new(Job.CompanyId, Job.ApplicationId);

    /// <summary>Cancelled when the host stops or the lease is lost.</summary>
    public CancellationToken Token { get; } = token;

    /// <summary>Applies <paramref name="change"/> and writes the job (its checkpoint); throws <see cref="JobLeaseLostException"/>.</summary>
    public async Task SaveAsync(Action<BulkJob> change)
    {
        var expected = Job.Version;
        change(Job);
        Job.Version = expected + 1;
        Job.UpdatedAt = clock.UtcNowMs();
        // Not cancellable: a checkpoint is written whole or not at all, also while the host stops.
        await context.CheckpointAsync(Job.RowsDone, CancellationToken.None);
        if (!await store.ReplaceAsync(Job, expected, CancellationToken.None))
        {
            throw new JobLeaseLostException();
        }
    }
}
