using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Common.Jobs;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Groups;

/// <summary>
/// User groups: create, read, list, change. A bulk group's file or JSON entries are applied by the background worker
/// (<see cref="UserGroupJobHandler"/>): a change that brings member changes answers at once with <c>pending</c> and
/// queues a run. While a run is pending or processing, another member change is refused (409 <c>group_busy</c>) so no
/// input is ever dropped or overtaken.
/// </summary>
internal sealed class UserGroupService(
    IUserGroupStore store,
    IUserStore users,
    IErrorReportStore reports,
    JobScheduler jobs,
    IOptions<JobOptions> jobOptions,
    TimeProvider clock)
{
    public const string JobKind = "user_group";
    private const int MaxWriteAttempts = 5;

    /// <summary>Most groups of one type read to answer "which groups is this user in".</summary>
    public const int MaxGroupsPerUserLookup = 1000;

    public async Task<UserGroup> CreateAsync(Tenant tenant, NewGroup command, CancellationToken cancellationToken)
    {
        var now = clock.UtcNowMs();
        var group = new UserGroup
        {
            Id = Ids.New(),
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            Name = command.Name.Trim(),
            NameLc = command.Name.Trim().ToLowerInvariant(),
            Description = command.Description.Trim(),
            Type = command.Type,
            Conditions = [.. command.Conditions],
            CreatedAt = now,
            ModifiedAt = now,
        };
        if (command.FileUrl is not null)
        {
            StartRun(group, RunSources.File, command.FileUrl.Trim(), []);
            // Queued first: a crash before the insert leaves a job whose group never appears, which the worker drops.
            await jobs.EnqueueAsync(JobKind, tenant, group.Id, group.RunId!, cancellationToken);
        }

        group.Uid = await store.InsertAsync(group, cancellationToken);
        return group;
    }

    public async Task<UserGroup> GetAsync(Tenant tenant, long uid, CancellationToken cancellationToken) =>
        await store.FindByUidAsync(tenant, uid, cancellationToken) ?? throw NotFound();

    public Task<(IReadOnlyList<UserGroup> Items, long Total)> ListAsync(Tenant tenant, GroupFilter filter, PageRequest page,
        CancellationToken cancellationToken) =>
        store.ListAsync(tenant, filter, page.Skip, page.PageSize, cancellationToken);

    /// <summary>updateUserGroup and updateUserGroupPartially: details, and for bulk groups a new file or JSON entries.</summary>
    public Task<UserGroup> ChangeAsync(Tenant tenant, long uid, GroupChange change, CancellationToken cancellationToken) =>
        ChangeAsync(tenant, uid, change, null, cancellationToken);

    /// <summary>As above; with <paramref name="ifMatch"/>, only while the group's version is one the caller read (else 412).</summary>
    public async Task<UserGroup> ChangeAsync(Tenant tenant, long uid, GroupChange change, IfMatch? ifMatch,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var group = await GetAsync(tenant, uid, cancellationToken);
            var expected = group.Version;
            ifMatch?.Check(expected, "user group");
            var previousReport = group.ErrorReportId;
            var memberChange = change.FileUrl is not null || change.UserData is not null;
            if (change.Type is not null && change.Type != group.Type && GroupTypes.All.Contains(change.Type))
            {
                throw new ValidationFailedException("type", $"a group's type cannot change (this group is {group.Type})");
            }

            if (group.Type == GroupTypes.Conditional && memberChange)
            {
                throw new ValidationFailedException(change.FileUrl is not null ? "file_url" : "user_data",
                    "a conditional group's members follow its conditions; change the conditions instead");
            }

            if (group.Type == GroupTypes.Bulk && change.Conditions is not null)
            {
                throw new ValidationFailedException("conditions", "are used by conditional groups only");
            }

            if (memberChange && GroupStatuses.IsBusy(group.Status))
            {
                throw new ConflictException(
                    $"The group is still processing its last change (status {group.Status}); send this one when it is completed or failed.",
                    "group_busy");
            }

            // A file or entries sent start a new run (named even when the file is the same one again).
            using var changes = ChangedFields.Track(group, ("run_id", "file_url"), ("pending_user_data", "user_data"));
            if (change.Name is not null)
            {
                group.Name = change.Name.Trim();
                group.NameLc = group.Name.ToLowerInvariant();
            }

            if (change.Description is not null)
            {
                group.Description = change.Description.Trim();
            }

            if (change.Conditions is not null)
            {
                group.Conditions = [.. change.Conditions];
            }

            if (memberChange)
            {
                if (change.FileUrl is not null)
                {
                    StartRun(group, RunSources.File, change.FileUrl.Trim(), []);
                }
                else
                {
                    StartRun(group, RunSources.Json, group.FileUrl, change.UserData!);
                }

                await jobs.EnqueueAsync(JobKind, tenant, group.Id, group.RunId!, cancellationToken);
            }

            group.Version++;
            group.ModifiedAt = clock.UtcNowMs();
            if (await store.ReplaceAsync(group, expected, cancellationToken))
            {
                if (memberChange && previousReport is not null)
                {
                    // The last run's report is replaced by the new run's.
                    await reports.DeleteAsync(tenant, previousReport, cancellationToken);
                }

                return group;
            }

            if (attempt >= MaxWriteAttempts)
            {
                throw new ConflictException("The group changed while this request ran; retry.", "concurrent_update");
            }
        }
    }

    /// <summary>A bulk group's live members: users it lists who are not archived, deleted or erased.</summary>
    public async Task<(IReadOnlyList<string> UserIds, long Total)> BulkMembersAsync(UserGroup group, PageRequest page,
        CancellationToken cancellationToken) =>
        await store.ListLiveMembersAsync(new Tenant(group.CompanyId, group.ApplicationId), group.Uid, page.Skip, page.PageSize,
            cancellationToken);

    /// <summary>The user's bulk groups, ascending by uid; 404 when the user is not a live user of the application.</summary>
    public async Task<IReadOnlyList<UserGroup>> BulkGroupsOfUserAsync(Tenant tenant, string userId, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(tenant, userId, cancellationToken);
        if (user is null || user.State != UserState.Live)
        {
            throw new NotFoundException("No live user with this id in this application.", "user_not_found");
        }

        var uids = await store.FindUidsOfMemberAsync(tenant, userId, cancellationToken);
        return uids.Count == 0 ? [] : await store.FindByUidsAsync(tenant, uids, cancellationToken);
    }

    /// <summary>Where an error report is served.</summary>
    public string ReportUrl(Tenant tenant, string reportId) =>
        (jobOptions.Value.PublicBaseUrl?.TrimEnd('/') ?? "") + ErrorReportsController.PathOf(tenant, reportId);

    private static void StartRun(UserGroup group, string source, string? fileUrl, IReadOnlyList<UserDataEntry> entries)
    {
        group.RunId = Ids.New();
        group.RunSource = source;
        group.FileUrl = fileUrl;
        group.PendingUserData = [.. entries];
        group.Status = GroupStatuses.Pending;
        group.ErrorCount = 0;
        group.ErrorReportId = null;
        group.FailureReason = null;
    }

    private static NotFoundException NotFound() => new("No user group with this uid in this application.", "group_not_found");
}
