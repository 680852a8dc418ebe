using UserAuth.Api.Common;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>A job's expected end with a reason to show the caller (bad header, unreadable file, refused URL...).</summary>
internal sealed class BulkJobFailedException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>Another instance took the job over (this run's lease ended unrenewed); this run stops without writing.</summary>
internal sealed class LeaseLostException() : Exception("The job's lease was lost to another instance.");

/// <summary>
/// One instance's claim on a job while it runs it. Every write of the job goes through <see cref="SaveAsync"/>:
/// conditional on the version this run last wrote, so a run whose lease was taken over can never write again. A timer
/// renews the lease every third of its length while the job runs.
/// </summary>
internal sealed class JobRun : IAsyncDisposable
{
    private readonly IBulkJobStore store;
    private readonly TimeProvider clock;
    private readonly TimeSpan lease;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly CancellationTokenSource cancel;
    private readonly Task renewer;
    private bool ended;

    public JobRun(BulkJob job, IBulkJobStore store, TimeProvider clock, TimeSpan lease, CancellationToken stopping)
    {
        Job = job;
        this.store = store;
        this.clock = clock;
        this.lease = lease;
        cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        renewer = RenewAsync();
    }

    public BulkJob Job { get; }

    public Tenant Tenant => new(Job.CompanyId, Job.ApplicationId);

    /// <summary>Cancelled when the host stops or the lease is lost.</summary>
    public CancellationToken Token => cancel.Token;

    public bool LeaseLost { get; private set; }

    /// <summary>Applies <paramref name="change"/> and writes the job, renewing the lease; throws <see cref="LeaseLostException"/>.</summary>
    public async Task SaveAsync(Action<BulkJob> change)
    {
        await gate.WaitAsync(CancellationToken.None);
        try
        {
            if (ended)
            {
                throw new InvalidOperationException("The run has ended.");
            }

            await WriteAsync(change, release: false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Ends the run: applies the last change and gives up the lease (for a finished job, or for another run to resume,
    /// at once or after <paramref name="retryAfter"/>).
    /// </summary>
    public async Task EndAsync(Action<BulkJob> change, TimeSpan? retryAfter = null)
    {
        await gate.WaitAsync(CancellationToken.None);
        try
        {
            if (ended || LeaseLost)
            {
                return;
            }

            ended = true;
            await WriteAsync(change, release: true, retryAfter);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task WriteAsync(Action<BulkJob> change, bool release, TimeSpan? retryAfter = null)
    {
        var expected = Job.Version;
        var now = clock.UtcNowMs();
        change(Job);
        Job.Version = expected + 1;
        Job.UpdatedAt = now;
        if (release)
        {
            Job.LeaseOwner = null;
            Job.LeaseUntil = retryAfter is { } wait ? now + wait : null;
        }
        else
        {
            Job.LeaseUntil = now + lease;
        }

        // Not cancellable: a checkpoint is written whole or not at all, also while the host stops.
        if (!await store.ReplaceAsync(Job, expected, CancellationToken.None))
        {
            LeaseLost = true;
            await cancel.CancelAsync();
            throw new LeaseLostException();
        }
    }

    private async Task RenewAsync()
    {
        var every = lease / 3;
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, clock, cancel.Token);
                await SaveAsync(_ => { });
            }
            catch (Exception e) when (e is OperationCanceledException or LeaseLostException or InvalidOperationException)
            {
                return;
            }
            catch (Exception)
            {
                // A failed renewal (store briefly unreachable) is retried at the next tick; the lease may still hold.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync(CancellationToken.None);
        ended = true;
        gate.Release();
        await cancel.CancelAsync();
        await renewer;
        cancel.Dispose();
        gate.Dispose();
    }
}
