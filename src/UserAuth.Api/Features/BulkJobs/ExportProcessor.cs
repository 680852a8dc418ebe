using Microsoft.Extensions.Options;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Groups;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>
/// Runs an export: pages through the application's users oldest first with a keyset cursor on (created_at, id),
/// bounded above by the job's snapshot instant, so users created meanwhile never appear and none is skipped or repeated.
/// Rows go to a CSV work file that is cut back to its checkpointed length when a run resumes; the XLSX result is
/// written from it at the end.
/// </summary>
internal sealed class ExportProcessor(
    IUserStore users,
    UserService userService,
    UserGroupMembership groups,
    BulkFiles files,
    IOptions<BulkJobOptions> options)
{
    public async Task RunAsync(JobRun run)
    {
        var job = run.Job;
        var token = run.Token;
        var workPath = files.PathOf(job, JobFileKind.Work);
        if (!File.Exists(workPath) && job.OutputFileLength > 0 && File.Exists(files.PathOf(job, JobFileKind.File)))
        {
            // An earlier run wrote the result and stopped before recording it.
            await run.SaveAsync(j => j.HasFile = true);
            return;
        }

        var filter = job.Filter ?? new ExportFilter();
        var search = userService.FilterFor(filter.Search);
        var state = filter.Status switch
        {
            "deleted" => UserState.Deleted,
            "archived" => UserState.Archived,
            _ => UserState.Live,
        };
        var snapshot = job.SnapshotAt ?? job.CreatedAt;
        var to = filter.CreatedTo is { } t && t < snapshot ? t : snapshot;
        var batchSize = options.Value.BatchSize;

        await using (var work = new CsvAppender(files.OpenAt(job, JobFileKind.Work, job.OutputFileLength)))
        {
            if (job.OutputFileLength == 0)
            {
                work.Write(UserColumns.Base);
            }

            (DateTime, string)? cursor = job.CursorId is null ? null : (job.CursorCreatedAt!.Value, job.CursorId);
            while (true)
            {
                var page = await users.ListByCreationAsync(run.Tenant, state, filter.CreatedFrom, to, cursor, batchSize, token);
                long written = 0;
                foreach (var user in page)
                {
                    if (Matches(user, filter.Status, search) &&
                        (filter.GroupId is not { } uid || (await groups.GroupsOfUserAsync(run.Tenant, user.Id, token)).Any(g => g.Uid == uid)))
                    {
                        work.Write(Row(user));
                        written++;
                    }
                }

                var length = await work.CommitAsync();
                if (page.Count > 0)
                {
                    cursor = (page[^1].CreatedAt, page[^1].Id);
                }

                var last = cursor;
                await run.SaveAsync(j =>
                {
                    j.RowsDone += written;
                    j.Total = j.RowsDone;
                    j.Success = j.RowsDone;
                    j.OutputFileLength = length;
                    j.CursorCreatedAt = last?.Item1;
                    j.CursorId = last?.Item2;
                });
                if (page.Count < batchSize)
                {
                    break;
                }
            }
        }

        var result = files.PathOf(job, JobFileKind.File);
        if (job.FileFormat == JobFileFormat.Xlsx)
        {
            await using (var output = files.Create(job, JobFileKind.File))
            {
                XlsxWriter.FromCsv(workPath, output);
            }

            File.Delete(workPath);
        }
        else
        {
            File.Move(workPath, result, overwrite: true);
        }

        await run.SaveAsync(j => j.HasFile = true);
    }

    private static bool Matches(User user, string? status, CustomerFilter search)
    {
        if ((status == "active" && !user.Active) || (status == "blocked" && user.Active))
        {
            return false;
        }

        if (search.IsEmpty)
        {
            return true;
        }

        return user.IdentityKeys.Any(search.Keys.Contains) ||
               (search.Prefix is { } p && (user.UsernameLc.StartsWith(p, StringComparison.Ordinal) ||
                                           user.FirstNameLc?.StartsWith(p, StringComparison.Ordinal) == true ||
                                           user.LastNameLc?.StartsWith(p, StringComparison.Ordinal) == true));
    }

    /// <summary>The base columns of <see cref="UserColumns.Base"/>: the primary email and phone (E.164).</summary>
    private static string?[] Row(User user)
    {
        var email = user.Emails.FirstOrDefault(e => e.Primary) ?? user.Emails.FirstOrDefault();
        var phone = user.PhoneNumbers.FirstOrDefault(p => p.Primary) ?? user.PhoneNumbers.FirstOrDefault();
        return [user.Username, user.FirstName, user.LastName, user.Gender, email?.Email, phone?.E164, user.ExternalId];
    }
}
