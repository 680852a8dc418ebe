using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Groups;

/// <summary>
/// Storage port of user groups and of the members of bulk groups. Members are kept per (group uid, user id); reads
/// return only members whose user is live (not archived, deleted or erased), so membership follows the user's state
/// without being rewritten.
/// </summary>
internal interface IUserGroupStore
{
    /// <summary>
    /// Allots the next uid of the application (atomically: a counter incremented in the same transaction, or an atomic
    /// counter document) and inserts the group with it; returns the uid.
    /// </summary>
    Task<long> InsertAsync(UserGroup group, CancellationToken cancellationToken);

    Task<UserGroup?> FindByUidAsync(Tenant tenant, long uid, CancellationToken cancellationToken);

    Task<UserGroup?> FindByIdAsync(Tenant tenant, string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<UserGroup>> FindByUidsAsync(Tenant tenant, IReadOnlyCollection<long> uids, CancellationToken cancellationToken);

    /// <summary>Groups matching the filter, newest (highest uid) first.</summary>
    Task<(IReadOnlyList<UserGroup> Items, long Total)> ListAsync(Tenant tenant, GroupFilter filter, int skip, int take,
        CancellationToken cancellationToken);

    /// <summary>Every group of a type (for conditional groups: a user's memberships are evaluated per group).</summary>
    Task<IReadOnlyList<UserGroup>> ListByTypeAsync(Tenant tenant, string type, int limit, CancellationToken cancellationToken);

    /// <summary>Replaces the group if its stored version is still <paramref name="expectedVersion"/>; false when another write won.</summary>
    Task<bool> ReplaceAsync(UserGroup group, int expectedVersion, CancellationToken cancellationToken);

    /// <summary>Makes the users members (idempotent).</summary>
    Task AddMembersAsync(Tenant tenant, long uid, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken);

    /// <summary>Removes the users from the members (idempotent).</summary>
    Task RemoveMembersAsync(Tenant tenant, long uid, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken);

    /// <summary>A page of the group's members whose user is live, by user id ascending, and their total.</summary>
    Task<(IReadOnlyList<string> UserIds, long Total)> ListLiveMembersAsync(Tenant tenant, long uid, int skip, int take,
        CancellationToken cancellationToken);

    /// <summary>
    /// Of <paramref name="userIds"/>, those the bulk group lists as members and whose user is live: one set query for a
    /// page of users (the export's group filter), not one look-up per user.
    /// </summary>
    Task<IReadOnlyList<string>> FindLiveMembersAmongAsync(Tenant tenant, long uid, IReadOnlyCollection<string> userIds,
        CancellationToken cancellationToken);

    /// <summary>The uids of the bulk groups that list the user as a member.</summary>
    Task<IReadOnlyList<long>> FindUidsOfMemberAsync(Tenant tenant, string userId, CancellationToken cancellationToken);
}
