using System.Text.Json;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Common.FileFetch;
using UserAuth.Api.Common.Jobs;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Groups;

/// <summary>
/// Applies a bulk group's run (a CSV file or JSON entries) in the background. Rows are applied in batches of
/// <see cref="JobOptions.BatchSize"/>; after each batch the last row number is checkpointed in the queue, and a
/// resumed run (after a crash, a restart or a lost lease) skips the rows up to it. Re-applying a batch whose checkpoint
/// was not stored is harmless: adding a member and removing one are idempotent, the last action on a user within a
/// batch wins (as it would row by row), and error rows are keyed by row number. A file is first downloaded to a temp
/// file under the fetch policy and its rows counted (row cap) before anything is applied; then read row by row, so
/// memory stays flat whatever its size.
/// </summary>
internal sealed class UserGroupJobHandler(
    IUserGroupStore store,
    IErrorReportStore reports,
    IUserStore users,
    Identifiers identifiers,
    FileFetcher fetcher,
    IOptions<JobOptions> options,
    TimeProvider clock) : IJobHandler
{
    /// <summary>How long a job waits for its group's write to become visible before it is dropped as stale.</summary>
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(60);

    private static readonly JsonSerializerOptions RowJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public string Kind => UserGroupService.JobKind;

    public async Task RunAsync(JobContext context, CancellationToken cancellationToken)
    {
        var job = context.Job;
        var group = await store.FindByIdAsync(job.Tenant, job.SubjectId, cancellationToken);
        if (group is null || group.RunId != job.RunId)
        {
            if (clock.UtcNowMs() - job.EnqueuedAt < SettleTime)
            {
                throw new JobRetryLaterException("the group's write is not visible yet");
            }

            return; // superseded or never written: nothing to do
        }

        if (!GroupStatuses.IsBusy(group.Status))
        {
            return; // finished before a crash, only the queue entry was left
        }

        if (group.Status == GroupStatuses.Pending)
        {
            group = await UpdateRunAsync(job, g => g.Status = GroupStatuses.Processing, cancellationToken);
            if (group is null)
            {
                return;
            }
        }

        if (group.RunSource == RunSources.Json)
        {
            await ApplyAsync(context, JsonRows(group.PendingUserData), cancellationToken);
        }
        else
        {
            await ApplyFileAsync(context, group.FileUrl, cancellationToken);
        }

        var errors = await reports.CountAsync(job.Tenant, job.RunId, cancellationToken);
        await UpdateRunAsync(job, g =>
        {
            g.Status = GroupStatuses.Completed;
            g.ErrorCount = errors;
            g.ErrorReportId = errors > 0 ? job.RunId : null;
            g.PendingUserData = [];
        }, cancellationToken);
    }

    public async Task FailAsync(QueuedJob job, string reason, CancellationToken cancellationToken)
    {
        var errors = await reports.CountAsync(job.Tenant, job.RunId, cancellationToken);
        await UpdateRunAsync(job, g =>
        {
            g.Status = GroupStatuses.Failed;
            g.FailureReason = reason;
            g.ErrorCount = errors;
            g.ErrorReportId = errors > 0 ? job.RunId : null;
            g.PendingUserData = [];
        }, cancellationToken);
    }

    private async Task ApplyFileAsync(JobContext context, string? fileUrl, CancellationToken cancellationToken)
    {
        SpooledFile spooled;
        try
        {
            spooled = await fetcher.DownloadAsync(fetcher.CheckUrl(fileUrl), cancellationToken);
        }
        catch (FileFetchException e)
        {
            throw new JobFailedException($"file_url: {e.Message}", e);
        }

        using (spooled)
        {
            Columns columns;
            try
            {
                using (var reader = new StreamReader(spooled.OpenRead()))
                {
                    await CsvRows.CountAsync(reader, fetcher.Options.MaxRows, cancellationToken);
                }

                using var header = new StreamReader(spooled.OpenRead());
                columns = Columns.From(await CsvRows.ReadHeaderAsync(header, cancellationToken));
            }
            catch (FileFetchException e)
            {
                throw new JobFailedException($"file_url: {e.Message}", e);
            }

            using var rows = new StreamReader(spooled.OpenRead());
            await CsvRows.ReadHeaderAsync(rows, cancellationToken);
            await ApplyAsync(context, CsvInputRows(rows, columns, cancellationToken), cancellationToken);
        }
    }

    private async IAsyncEnumerable<InputRow> CsvInputRows(StreamReader reader, Columns columns,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in CsvRows.ReadAsync(reader, fetcher.Options.MaxRows, cancellationToken))
        {
            yield return new InputRow(row.Number, row.Text, Columns.Get(row, columns.Action), Columns.Get(row, columns.UserId),
                Columns.Get(row, columns.Email), Columns.Get(row, columns.Phone));
        }
    }

#pragma warning disable CS1998 // an async iterator over a list
    private static async IAsyncEnumerable<InputRow> JsonRows(List<UserDataEntry> entries)
#pragma warning restore CS1998
    {
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            yield return new InputRow(i + 1, JsonSerializer.Serialize(e, RowJson), e.Action, e.UserId, e.Email, e.PhoneNumber);
        }
    }

    private async Task ApplyAsync(JobContext context, IAsyncEnumerable<InputRow> rows, CancellationToken cancellationToken)
    {
        var size = options.Value.BatchSize;
        var batch = new List<InputRow>(size);
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            if (row.Number <= context.Job.Checkpoint)
            {
                continue;
            }

            batch.Add(row);
            if (batch.Count == size)
            {
                await ApplyBatchAsync(context.Job, batch, cancellationToken);
                await context.CheckpointAsync(batch[^1].Number, cancellationToken);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            await ApplyBatchAsync(context.Job, batch, cancellationToken);
            await context.CheckpointAsync(batch[^1].Number, cancellationToken);
        }
    }

    private async Task ApplyBatchAsync(QueuedJob job, List<InputRow> batch, CancellationToken cancellationToken)
    {
        var tenant = job.Tenant;
        var errors = new List<ErrorReportRow>();
        var named = new List<(InputRow Row, bool Add, string? Id, string? Key, string What)>(batch.Count);
        foreach (var row in batch)
        {
            var action = row.Action?.Trim().ToLowerInvariant();
            if (action is not ("add" or "remove"))
            {
                errors.Add(new ErrorReportRow(row.Number, row.Text, "action must be add or remove"));
                continue;
            }

            var given = (string.IsNullOrWhiteSpace(row.UserId) ? 0 : 1) + (string.IsNullOrWhiteSpace(row.Email) ? 0 : 1) +
                        (string.IsNullOrWhiteSpace(row.Phone) ? 0 : 1);
            if (given != 1)
            {
                errors.Add(new ErrorReportRow(row.Number, row.Text, "name the user by exactly one of user_id, email, phone_number"));
                continue;
            }

            if (!string.IsNullOrWhiteSpace(row.UserId))
            {
                if (!Ids.IsValid(row.UserId.Trim()))
                {
                    errors.Add(new ErrorReportRow(row.Number, row.Text, "user_id is not a 24-hex-digit id"));
                    continue;
                }

                named.Add((row, action == "add", row.UserId.Trim().ToLowerInvariant(), null, "user_id"));
            }
            else if (!string.IsNullOrWhiteSpace(row.Email))
            {
                if (Identifiers.NormalizeEmail(row.Email) is not { } email)
                {
                    errors.Add(new ErrorReportRow(row.Number, row.Text, "email is not a valid email address"));
                    continue;
                }

                named.Add((row, action == "add", null, IdentityKeys.Email(email), "email"));
            }
            else
            {
                if (identifiers.ParsePhone(row.Phone) is not { } phone)
                {
                    errors.Add(new ErrorReportRow(row.Number, row.Text, "phone_number is not a valid phone number"));
                    continue;
                }

                named.Add((row, action == "add", null, IdentityKeys.Phone(phone.E164), "phone_number"));
            }
        }

        var ids = named.Where(n => n.Id is not null).Select(n => n.Id!).Distinct().ToList();
        var keys = named.Where(n => n.Key is not null).Select(n => n.Key!).Distinct().ToList();
        var byId = ids.Count == 0
            ? []
            : (await users.FindByIdsAsync(tenant, ids, cancellationToken)).Where(u => u.State == UserState.Live).ToDictionary(u => u.Id);
        var byKey = new Dictionary<string, string>();
        if (keys.Count > 0)
        {
            var wanted = keys.ToHashSet();
            foreach (var user in await users.FindByKeysAsync(tenant, keys, keys.Count, cancellationToken))
            {
                if (user.State != UserState.Live)
                {
                    continue;
                }

                foreach (var key in user.IdentityKeys.Where(wanted.Contains))
                {
                    byKey[key] = user.Id;
                }
            }
        }

        // The last action on a user within the batch wins, as applying the rows one by one would.
        var final = new Dictionary<string, bool>();
        foreach (var (row, add, id, key, what) in named)
        {
            string? userId = id is not null ? (byId.ContainsKey(id) ? id : null) : byKey.GetValueOrDefault(key!);
            if (userId is null)
            {
                errors.Add(new ErrorReportRow(row.Number, row.Text, $"no live user of this application has this {what}"));
                continue;
            }

            final[userId] = add;
        }

        var uid = (await store.FindByIdAsync(tenant, job.SubjectId, cancellationToken))?.Uid
                  ?? throw new JobFailedException("the group no longer exists");
        var adds = final.Where(f => f.Value).Select(f => f.Key).ToList();
        var removes = final.Where(f => !f.Value).Select(f => f.Key).ToList();
        if (adds.Count > 0)
        {
            await store.AddMembersAsync(tenant, uid, adds, cancellationToken);
        }

        if (removes.Count > 0)
        {
            await store.RemoveMembersAsync(tenant, uid, removes, cancellationToken);
        }

        await reports.AppendAsync(tenant, job.RunId, errors, cancellationToken);
    }

    /// <summary>Changes the group while it still runs <paramref name="job"/>'s run; null when another run replaced it.</summary>
    private async Task<UserGroup?> UpdateRunAsync(QueuedJob job, Action<UserGroup> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var group = await store.FindByIdAsync(job.Tenant, job.SubjectId, cancellationToken);
            if (group is null || group.RunId != job.RunId)
            {
                return null;
            }

            var expected = group.Version;
            change(group);
            group.Version++;
            group.ModifiedAt = clock.UtcNowMs();
            if (await store.ReplaceAsync(group, expected, cancellationToken))
            {
                return group;
            }
        }

        throw new InvalidOperationException("The group kept changing while its run was recorded.");
    }

    private sealed record InputRow(long Number, string Text, string? Action, string? UserId, string? Email, string? Phone);

    /// <summary>Where the columns are in the file's header.</summary>
    private sealed record Columns(int Action, int UserId, int Email, int Phone)
    {
        public static Columns From(IReadOnlyList<string> header)
        {
            var columns = new Columns(Index(header, "action"), Index(header, "user_id"), Index(header, "email"),
                Index(header, "phone_number"));
            if (columns.Action < 0 || (columns.UserId < 0 && columns.Email < 0 && columns.Phone < 0))
            {
                throw new JobFailedException(
                    "file_url: the file's header needs an action column and one of user_id, email, phone_number");
            }

            return columns;
        }

        public static string? Get(CsvRow row, int index) => index >= 0 && index < row.Fields.Count ? row.Fields[index] : null;

        private static int Index(IReadOnlyList<string> header, string name)
        {
            for (var i = 0; i < header.Count; i++)
            {
                if (header[i] == name)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
