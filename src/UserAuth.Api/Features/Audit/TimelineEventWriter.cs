using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Audit;

/// <summary>
/// Stores a user's lifecycle event (blocked, archived, sessions ended, erased...) no later than the state change it
/// describes, so a change that happened never lacks its event: the event is written ahead of the change
/// (<see cref="IAuditStore.WriteAheadAsync"/>). SQLite: it rides in the transaction of the change's own write through the
/// single writer, so both are committed or neither (when that write loses its compare-and-set, the event is committed
/// with it and the retry applies the change, or the event is removed). MongoDB (no multi-document transaction): it is
/// stored before the change and removed again when the change did not happen. A crash in between leaves an event too
/// many, never one too few; so does a removal the store refuses (logged).
/// </summary>
internal sealed partial class TimelineEventWriter(IAuditStore store, ILogger<TimelineEventWriter> logger)
{
    /// <summary>
    /// Runs <paramref name="change"/> with <paramref name="planned"/> (an event of <paramref name="userId"/>) written ahead.
    /// When the change returns and <paramref name="happened"/> says it changed nothing, or it fails with an expected
    /// error (<see cref="ApiException"/>: nothing was written), the event goes again. <paramref name="title"/>, when
    /// given, is the event's final title, known once the change is done (a count): a crash before it is stored leaves
    /// the planned title.
    /// </summary>
    public async Task<T> AroundAsync<T>(Tenant tenant, string userId, TimelineEvent planned, Func<Task<T>> change,
        Func<T, bool> happened, Func<T, string>? title = null)
    {
        var entry = Entry(tenant, userId, planned);
        var ahead = await store.WriteAheadAsync([entry], CancellationToken.None);
        T result;
        try
        {
            using (ahead.Enter())
            {
                result = await change();
            }
        }
        catch (ApiException)
        {
            await ForgetAsync(ahead, entry);
            throw;
        }

        if (!happened(result))
        {
            await ForgetAsync(ahead, entry);
        }
        else if (title is not null || !ahead.MayBeStored)
        {
            // The final title, or (a change that made no write of the single writer) the event after the change.
            entry.Title = title?.Invoke(result) ?? entry.Title;
            await store.AppendAsync([entry], CancellationToken.None);
        }

        return result;
    }

    /// <summary>The event written ahead of a change that did not happen goes.</summary>
    private async Task ForgetAsync(AuditWriteAhead ahead, AuditEntry entry)
    {
        if (!ahead.MayBeStored)
        {
            return;
        }

        try
        {
            await store.ReplaceAsync([], [entry], CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One event too many, never a failed answer for it.
            LogNotRemoved(logger, entry.EventType, entry.UserId, e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {EventType} event written ahead for user {UserId} could not be removed: {Error}")]
    private static partial void LogNotRemoved(ILogger logger, string eventType, string userId, string error);

    private static AuditEntry Entry(Tenant tenant, string userId, TimelineEvent e) => new()
    {
        Id = Ids.New(),
        CompanyId = tenant.CompanyId,
        ApplicationId = tenant.ApplicationId,
        Kind = AuditKinds.Event,
        UserId = userId,
        At = e.Date,
        EventType = e.Type,
        Title = e.Title,
        SubTitle = e.SubTitle,
        Visible = e.Visible,
    };
}
