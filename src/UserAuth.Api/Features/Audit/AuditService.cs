using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Audit;

/// <summary>
/// The audit trail (records of writes, readable per application and per user) and users' timelines (lifecycle
/// events), both kept by <see cref="IAuditStore"/> outside the user document.
/// </summary>
internal sealed partial class AuditService(IAuditStore store, IOptions<AuditOptions> options, TimeProvider clock,
    ILogger<AuditService> logger)
{
    /// <summary>
    /// Stores the records of a write about to be made no later than the write itself (status 0 until completed; see
    /// <see cref="IAuditStore.WriteAheadAsync"/>). It is not retried: if it fails, the request fails before writing.
    /// </summary>
    public Task<AuditWriteAhead> WriteAheadAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken)
    {
        Expire(entries);
        return store.WriteAheadAsync(entries, cancellationToken);
    }

    /// <summary>
    /// The write succeeded: <paramref name="entries"/> replace the written-ahead records (an entry for the same user
    /// takes over a written-ahead record's id). One retry; if the store still fails, the written-ahead record stays
    /// (status 0) and the failure is logged with the request id.
    /// </summary>
    public async Task CompleteAsync(AuditWriteAhead ahead, IReadOnlyList<AuditEntry> pending, IReadOnlyList<AuditEntry> entries)
    {
        Expire(entries);
        var free = pending.ToList();
        foreach (var entry in entries)
        {
            var same = free.FindIndex(p => p.UserId == entry.UserId);
            if (same >= 0)
            {
                entry.Id = free[same].Id;
                free.RemoveAt(same);
            }
        }

        var taken = pending.Select(p => p.Id).Except(free.Select(p => p.Id)).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (free.Count > 0 && !taken.Contains(entry.Id))
            {
                entry.Id = free[0].Id;
                free.RemoveAt(0);
            }
        }

        // Usually every written-ahead record is taken over by id: appending (which replaces a record of the same id)
        // completes them; leftovers (a user the answer did not name again) are deleted with the completion.
        var requestId = entries.Count > 0 ? entries[0].RequestId : null;
        if (free.Count == 0 || !ahead.MayBeStored)
        {
            await RepeatOnceAsync(() => store.AppendAsync(entries, CancellationToken.None), requestId);
        }
        else
        {
            await RepeatOnceAsync(() => store.ReplaceAsync(entries, pending, CancellationToken.None), requestId);
        }
    }

    /// <summary>The write failed (it wrote nothing): its written-ahead records go.</summary>
    public async Task AbandonAsync(AuditWriteAhead ahead, IReadOnlyList<AuditEntry> pending)
    {
        if (ahead.MayBeStored)
        {
            await RepeatOnceAsync(() => store.ReplaceAsync([], pending, CancellationToken.None), pending.Count > 0 ? pending[0].RequestId : null);
        }
    }

    private async Task RepeatOnceAsync(Func<Task> write, string? requestId)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write();
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException && attempt < 2)
            {
                await Task.Delay(50);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogNotRecorded(logger, requestId ?? "", e.GetType().Name);
                return;
            }
        }
    }

    private void Expire(IReadOnlyCollection<AuditEntry> entries)
    {
        var expires = clock.UtcNowMs().AddDays(options.Value.RetentionDays);
        foreach (var entry in entries)
        {
            entry.ExpiresAt = expires;
        }
    }

    public Task<AuditPage> ListAsync(Tenant tenant, string? userId, PageRequest page, CancellationToken cancellationToken) =>
        store.ListAsync(tenant, AuditKinds.Request, userId?.ToLowerInvariant(), page.Skip, page.PageSize, cancellationToken);

    /// <summary>
    /// The company's company-wide records (the management of its API clients), newest first: the records of
    /// <see cref="AuditEntry.CompanyWide"/>, on the same index as an application's trail. They name clients of every
    /// application, so a caller whose token is limited to some applications is refused.
    /// </summary>
    public Task<AuditPage> ListCompanyAsync(string companyId, IReadOnlyCollection<string> callerApplications, PageRequest page,
        CancellationToken cancellationToken)
    {
        if (callerApplications.Count > 0)
        {
            throw new ForbiddenException("The company's trail names clients of every application; a token limited to some " +
                                         "applications cannot read it.");
        }

        return store.ListAsync(new Tenant(companyId, AuditEntry.CompanyWide), AuditKinds.Request, null, page.Skip, page.PageSize,
            cancellationToken);
    }

    /// <summary>
    /// A user's timeline, oldest first: the events the audit store keeps, plus the events older versions kept inside
    /// the user document (<see cref="User.Timeline"/>, read as they are: migration on read), plus "Account created"
    /// from the user's creation time when neither holds it (users created since the move).
    /// </summary>
    public async Task<IReadOnlyList<TimelineEvent>> TimelineAsync(Tenant tenant, User user, CancellationToken cancellationToken)
    {
        var stored = await store.EventsOfAsync(tenant, user.Id, cancellationToken);
        var events = user.Timeline
            .Concat(stored.Select(s => new TimelineEvent
            {
                Type = s.EventType, Title = s.Title, SubTitle = s.SubTitle, Date = s.At, Visible = s.Visible,
            }))
            .ToList();
        if (!events.Any(e => e.Type == "created"))
        {
            events.Insert(0, new TimelineEvent { Type = "created", Title = "Account created", Date = user.CreatedAt });
        }

        return events.OrderBy(e => e.Date).ToList();
    }

    /// <summary>Erasure: the reasons on the user's events may hold what the customer wrote.</summary>
    public Task ClearReasonsAsync(Tenant tenant, string userId, CancellationToken cancellationToken) =>
        store.ClearEventSubTitlesAsync(tenant, userId, cancellationToken);

    [LoggerMessage(Level = LogLevel.Error, Message = "The audit record of {RequestId} could not be stored: {Fault}")]
    private static partial void LogNotRecorded(ILogger logger, string requestId, string fault);
}
