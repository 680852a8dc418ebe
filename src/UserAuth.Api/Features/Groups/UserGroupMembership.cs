using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Groups;

/// <summary>
/// Membership of both kinds of group, and the conditions of conditional groups. Bulk groups keep their members in the
/// store (reads skip users who are not live); conditional groups are evaluated when read, so they are right at once
/// after any attribute change, deletion, archive or restore.
/// </summary>
internal sealed class UserGroupMembership(UserGroupService groups)
{
    public Task<NewGroup> NewGroupAsync(Tenant tenant, CreateUserGroup body, CancellationToken cancellationToken)
    {
        var conditional = CreateUserGroupValidator.IsConditional(body.Type, body.Conditions);
        if (conditional)
        {
            throw ConditionsUnavailable();
        }

        return Task.FromResult(new NewGroup(body.Name!, body.Description!, GroupTypes.Bulk,
            string.IsNullOrWhiteSpace(body.FileUrl) ? null : body.FileUrl, []));
    }

    public Task<GroupChange> ChangeAsync(Tenant tenant, UpdateUserGroupSchema body, CancellationToken cancellationToken)
    {
        if (body.Conditions is not null)
        {
            throw ConditionsUnavailable();
        }

        return Task.FromResult(new GroupChange(body.Name, body.Description, body.Type, body.FileUrl, null, null));
    }

    public Task<(IReadOnlyList<string> UserIds, long Total)> MembersAsync(UserGroup group, PageRequest page,
        CancellationToken cancellationToken) =>
        groups.BulkMembersAsync(group, page, cancellationToken);

    public async Task<IReadOnlyList<UserGroup>> GroupsOfUserAsync(Tenant tenant, string userId, CancellationToken cancellationToken)
    {
        var bulk = await groups.BulkGroupsOfUserAsync(tenant, userId, cancellationToken);
        return bulk.OrderBy(g => g.Uid).ToList();
    }

    private static ValidationFailedException ConditionsUnavailable() =>
        new("conditions", "conditional groups need user attribute definitions, which this service does not offer yet");
}
