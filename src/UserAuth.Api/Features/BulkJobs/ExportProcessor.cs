using System.Text.Json;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Attributes;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Groups;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>
/// Runs an export: pages through the application's users oldest first with a keyset cursor on (created_at, id),
/// bounded above by the job's snapshot instant, so users created meanwhile never appear and none is skipped or repeated.
/// Rows go to a CSV work file that is cut back to its checkpointed length when a run resumes; the XLSX result is
/// written from it at the end. After the base columns come the job's <c>attribute.&lt;slug&gt;</c> columns, read one
/// page at a time through the Attributes feature; encrypted values only when the job may decrypt them
/// (<see cref="BulkJob.DecryptAttributes"/>), else those cells stay empty. Attribute conditions are run by
/// <see cref="IUserAttributeQuery"/> on each page's users (one query per page).
/// </summary>
internal sealed class ExportProcessor(
    IUserStore users,
    UserService userService,
    UserGroupMembership groups,
    AttributeDefinitionService definitions,
    UserAttributeService attributes,
    IUserAttributeQuery attributeQuery,
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
        var compiled = await CompileAsync(run.Tenant, filter, token);
        var known = (await definitions.ListAllAsync(run.Tenant, token)).ToDictionary(d => d.Id, StringComparer.Ordinal);
        var columns = job.AttributeColumns.Select(c => known.GetValueOrDefault(c.DefinitionId)).ToList();
        var readable = columns.Where(d => d is not null && (!d.Encrypted || job.DecryptAttributes)).Select(d => d!.Id).ToList();
        var snapshot = job.SnapshotAt ?? job.CreatedAt;
        var to = filter.CreatedTo is { } t && t < snapshot ? t : snapshot;
        var batchSize = options.Value.BatchSize;

        await using (var work = new CsvAppender(files.OpenAt(job, JobFileKind.Work, job.OutputFileLength)))
        {
            if (job.OutputFileLength == 0)
            {
                work.Write([.. UserColumns.Base, .. job.AttributeColumns.Select(c => AttributeCells.ColumnOf(c.Slug))]);
            }

            (DateTime, string)? cursor = job.CursorId is null ? null : (job.CursorCreatedAt!.Value, job.CursorId);
            while (true)
            {
                var page = await users.ListByCreationAsync(run.Tenant, state, filter.CreatedFrom, to, cursor, batchSize, token);
                long written = 0;
                var matching = page.Where(user => Matches(user, filter.Status, search)).ToList();
                if (filter.GroupId is { } uid && matching.Count > 0)
                {
                    // The page's members of the group, in one query (a group's members are live users only).
                    var members = await groups.MembersAmongAsync(run.Tenant, uid,
                        matching.Where(u => u.State == UserState.Live).Select(u => u.Id).ToList(), token);
                    matching.RemoveAll(u => !members.Contains(u.Id));
                }

                if (compiled is not null && matching.Count > 0)
                {
                    var (ids, _) = await attributeQuery.FindUserIdsAsync(run.Tenant, compiled, 0, matching.Count,
                        matching.Select(u => u.Id).ToList(), token);
                    var matched = ids.ToHashSet(StringComparer.Ordinal);
                    matching.RemoveAll(u => !matched.Contains(u.Id));
                }

                var values = readable.Count == 0 || matching.Count == 0
                    ? new Dictionary<string, List<UserAttributeValue>>()
                    : await attributes.ValuesOfUsersAsync(run.Tenant, matching.Select(u => u.Id).ToList(), readable, token);
                foreach (var user in matching)
                {
                    work.Write(Row(user, columns, values.GetValueOrDefault(user.Id)));
                    written++;
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

        return search.Matches(user);
    }

    /// <summary>
    /// The attribute conditions checked again against today's definitions (one deleted since the job was created fails
    /// the job with the reason); null when the export has none.
    /// </summary>
    private async Task<CompiledAttributeFilter?> CompileAsync(Tenant tenant, ExportFilter filter, CancellationToken cancellationToken)
    {
        if (filter.AttributeConditions.Count == 0)
        {
            return null;
        }

        try
        {
            return await attributeQuery.CompileAsync(tenant, filter.AttributeMatchAll, ToConditions(filter.AttributeConditions),
                "attribute_filter.conditions", cancellationToken);
        }
        catch (ValidationFailedException e)
        {
            throw new BulkJobFailedException(
                "the attribute conditions no longer apply: " + string.Join("; ", e.Errors.Select(f => $"{f.Field} {f.Reason}")), e);
        }
    }

    public static IReadOnlyList<AttributeCondition> ToConditions(IEnumerable<StoredAttributeCondition> conditions) =>
        conditions.Select(c => new AttributeCondition(c.DefinitionId, c.Operator, JsonDocument.Parse(c.ValueJson).RootElement.Clone()))
            .ToList();

    /// <summary>
    /// The base columns of <see cref="UserColumns.Base"/> (the primary email and phone, E.164), then one cell per
    /// attribute column: the user's value, or empty (no value, a definition deleted since, or an encrypted one the job
    /// may not decrypt: those values were not read).
    /// </summary>
    private static string?[] Row(User user, List<AttributeDefinition?> columns, List<UserAttributeValue>? values)
    {
        var email = user.Emails.FirstOrDefault(e => e.Primary) ?? user.Emails.FirstOrDefault();
        var phone = user.PhoneNumbers.FirstOrDefault(p => p.Primary) ?? user.PhoneNumbers.FirstOrDefault();
        var row = new string?[UserColumns.Base.Count + columns.Count];
        row[0] = user.Username;
        row[1] = user.FirstName;
        row[2] = user.LastName;
        row[3] = user.Gender;
        row[4] = email?.Email;
        row[5] = phone?.E164;
        row[6] = user.ExternalId;
        if (values is not null)
        {
            for (var i = 0; i < columns.Count; i++)
            {
                if (columns[i] is { } definition && values.Find(v => v.Definition.Id == definition.Id) is { } value)
                {
                    row[UserColumns.Base.Count + i] = AttributeCells.ToCell(definition, value.Value);
                }
            }
        }

        return row;
    }
}
