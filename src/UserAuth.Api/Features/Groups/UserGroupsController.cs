using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Features.Groups;

[Tags("User groups")]
internal sealed class UserGroupsController(UserGroupService groups, UserGroupMembership membership) : PlatformController
{
    /// <summary>
    /// createUserGroup. <c>bulk</c> (the default): with a <c>file_url</c> the group answers <c>pending</c> at once and
    /// the file is fetched and applied in the background (then <c>completed</c> or <c>failed</c>; bad rows are counted
    /// in <c>error.count</c> with a report at <c>error.file_url</c>); without one it starts empty (<c>completed</c>).
    /// <c>conditional</c>: <c>conditions</c> over attribute definitions; members are evaluated when read.
    /// A URL the fetch policy refuses (not https, a private / loopback / link-local address) is a 400.
    /// </summary>
    [HttpPost("user_group")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(UserGroupResponseSchema), StatusCodes.Status200OK)]
    public async Task<UserGroupResponseSchema> CreateUserGroup([FromBody] CreateUserGroup body, CancellationToken cancellationToken)
    {
        var created = await groups.CreateAsync(Tenant, await membership.NewGroupAsync(Tenant, body, cancellationToken), cancellationToken);
        ETags.Set(Response, created.Version);
        return Wire(created);
    }

    /// <summary>
    /// getUserGroups: newest (highest uid) first. <c>name</c>: contains, case-insensitive; <c>type</c>: bulk or
    /// conditional; <c>status</c>: pending, processing, completed or failed; <c>group_uid</c>: one uid.
    /// </summary>
    [HttpGet("user_group")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(UserGroupListResponseSchema), StatusCodes.Status200OK)]
    public async Task<UserGroupListResponseSchema> GetUserGroups([FromQuery] UserGroupsQuery query, CancellationToken cancellationToken)
    {
        var page = query.Page();
        var filter = new GroupFilter(
            string.IsNullOrWhiteSpace(query.Name) ? null : query.Name.Trim().ToLowerInvariant(),
            string.IsNullOrEmpty(query.Type) ? null : query.Type,
            string.IsNullOrEmpty(query.Status) ? null : query.Status,
            query.GroupUid);
        var (items, total) = await groups.ListAsync(Tenant, filter, page, cancellationToken);
        return new UserGroupListResponseSchema(items.Select(Wire).ToList(), PageInfo.For(page, total));
    }

    /// <summary>
    /// getUserGroupById: <c>group_id</c> is the group's uid. Another application's group is a 404. The <c>ETag</c> is
    /// the group's <c>__v</c>.
    /// </summary>
    [HttpGet("user_group/{group_id}")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(UserGroupResponseSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<UserGroupResponseSchema> GetUserGroupById(GroupRoute route, CancellationToken cancellationToken)
    {
        var group = await groups.GetAsync(Tenant, route.Uid, cancellationToken);
        ETags.Set(Response, group.Version);
        return Wire(group);
    }

    /// <summary>
    /// updateUserGroup: name, description; a bulk group's new <c>file_url</c> (back to <c>pending</c>, applied in
    /// the background) or a conditional group's new <c>conditions</c>. The type cannot change. 409 <c>group_busy</c>
    /// while a previous file or JSON change is still pending or processing. With <c>If-Match</c> (an ETag as answered)
    /// the update applies only while the group still has that version (412 <c>precondition_failed</c> otherwise).
    /// </summary>
    [HttpPut("user_group/{group_id}")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(UserGroupResponseSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status412PreconditionFailed)]
    public async Task<UserGroupResponseSchema> UpdateUserGroup(GroupRoute route, [FromBody] UpdateUserGroupSchema body,
        [FromHeader(Name = IfMatch.HeaderName)] string? ifMatch, CancellationToken cancellationToken)
    {
        var precondition = IfMatch.Parse(ifMatch);
        var change = await membership.ChangeAsync(Tenant, body, cancellationToken);
        var group = await groups.ChangeAsync(Tenant, route.Uid, change, precondition, cancellationToken);
        ETags.Set(Response, group.Version);
        return Wire(group);
    }

    /// <summary>
    /// updateUserGroupPartially: name, description, and members of a bulk group added or removed from a file
    /// (<c>type: file_url</c>, the default when <c>file_url</c> is sent) or from <c>user_data</c> entries
    /// (<c>type: json</c>), each with <c>action</c> add / remove and one of <c>user_id</c>, <c>email</c>,
    /// <c>phone_number</c>. Answers <c>pending</c>; applied in the background. 409 <c>group_busy</c> while a previous
    /// change is still pending or processing. <c>If-Match</c> as for updateUserGroup.
    /// </summary>
    [HttpPatch("user_group/{group_id}")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(UserGroupResponseSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status412PreconditionFailed)]
    public async Task<UserGroupResponseSchema> UpdateUserGroupPartially(GroupRoute route, [FromBody] PartialUserGroupUpdateSchema body,
        [FromHeader(Name = IfMatch.HeaderName)] string? ifMatch, CancellationToken cancellationToken)
    {
        var precondition = IfMatch.Parse(ifMatch);
        var change = new GroupChange(body.Name, body.Description, null, body.FileUrl, null,
            body.UserData?.Select(e => new UserDataEntry
            {
                Action = e.Action!.Trim().ToLowerInvariant(),
                UserId = string.IsNullOrWhiteSpace(e.UserId) ? null : e.UserId.Trim(),
                Email = string.IsNullOrWhiteSpace(e.Email) ? null : e.Email.Trim(),
                PhoneNumber = string.IsNullOrWhiteSpace(e.PhoneNumber) ? null : e.PhoneNumber.Trim(),
            }).ToList());
        var group = await groups.ChangeAsync(Tenant, route.Uid, change, precondition, cancellationToken);
        ETags.Set(Response, group.Version);
        return Wire(group);
    }

    /// <summary>
    /// Who is in this group (beyond the reference): live users only (archived, deleted and erased users are not
    /// members while they are so), ascending by user id. Bulk groups: the users the applied files and entries added;
    /// conditional groups: the users whose attribute values match every condition now.
    /// </summary>
    [HttpGet("user_group/{group_id}/users")]
    [EndpointName("getUserGroupMembers")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(UserGroupMembersResponse), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<UserGroupMembersResponse> GetUserGroupMembers(GroupRoute route, [FromQuery] MembershipQuery query,
        CancellationToken cancellationToken)
    {
        var page = query.Page();
        var group = await groups.GetAsync(Tenant, route.Uid, cancellationToken);
        var (ids, total) = await membership.MembersAsync(group, page, cancellationToken);
        return new UserGroupMembersResponse(ids.Select(id => new UserGroupMember(id)).ToList(), PageInfo.For(page, total));
    }

    /// <summary>
    /// Which groups is this user in (beyond the reference): bulk groups listing the user and conditional groups whose
    /// conditions the user matches now, ascending by uid. 404 unless the user is a live user of this application.
    /// </summary>
    [HttpGet("user_group/user/{user_id}")]
    [EndpointName("getUserGroupsOfUser")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(UserGroupListResponseSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<UserGroupListResponseSchema> GetUserGroupsOfUser(UserRoute route, [FromQuery] MembershipQuery query,
        CancellationToken cancellationToken)
    {
        var page = query.Page();
        var all = await membership.GroupsOfUserAsync(Tenant, route.Id, cancellationToken);
        return new UserGroupListResponseSchema(all.Skip(page.Skip).Take(page.PageSize).Select(Wire).ToList(),
            PageInfo.For(page, all.Count));
    }

    private UserGroupResponseSchema Wire(UserGroup group) =>
        UserGroupResponseSchema.From(group, id => groups.ReportUrl(Tenant, id));
}
