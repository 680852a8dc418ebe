using System.Globalization;
using System.Text.Json;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Attributes;

namespace UserAuth.Api.Features.Groups;

/// <summary>
/// Membership of both kinds of group, and the conditions of conditional groups.
/// <list type="bullet">
/// <item>Bulk groups keep their members in the store; reads skip users who are not live (archived, deleted, erased),
/// so a user leaves every group while archived or deleted and is back when restored.</item>
/// <item>Conditional groups are evaluated when read, by the attribute feature's condition service
/// (<see cref="IUserAttributeQuery"/>, the same operators and checks as filterUsersByAttributes; every condition must
/// match; only live users' values are searched). Nothing is materialised, so membership is right at once after any
/// attribute change, definition change or deletion, user deletion, archive or restore.</item>
/// </list>
/// </summary>
internal sealed class UserGroupMembership(UserGroupService groups, IUserAttributeQuery attributes, AttributeDefinitionService definitions,
    IUserGroupStore store)
{
    private static readonly string[] ListOperators = ["in", "nin", "btw"];

    public async Task<NewGroup> NewGroupAsync(Tenant tenant, CreateUserGroup body, CancellationToken cancellationToken)
    {
        var conditional = CreateUserGroupValidator.IsConditional(body.Type, body.Conditions);
        var conditions = conditional ? await CheckConditionsAsync(tenant, body.Conditions!, cancellationToken) : [];
        return new NewGroup(body.Name!, body.Description!, conditional ? GroupTypes.Conditional : GroupTypes.Bulk,
            string.IsNullOrWhiteSpace(body.FileUrl) ? null : body.FileUrl, conditions);
    }

    public async Task<GroupChange> ChangeAsync(Tenant tenant, UpdateUserGroupSchema body, CancellationToken cancellationToken)
    {
        var conditions = body.Conditions is null ? null : await CheckConditionsAsync(tenant, body.Conditions, cancellationToken);
        return new GroupChange(body.Name, body.Description, body.Type, body.FileUrl, conditions, null);
    }

    public async Task<(IReadOnlyList<string> UserIds, long Total)> MembersAsync(UserGroup group, PageRequest page,
        CancellationToken cancellationToken)
    {
        if (group.Type != GroupTypes.Conditional)
        {
            return await groups.BulkMembersAsync(group, page, cancellationToken);
        }

        var tenant = new Tenant(group.CompanyId, group.ApplicationId);
        var filter = await CompileStoredAsync(tenant, group, cancellationToken);
        return filter is null ? ([], 0) : await attributes.FindUserIdsAsync(tenant, filter, page.Skip, page.PageSize, null, cancellationToken);
    }

    /// <summary>
    /// Of <paramref name="userIds"/>, the members of group <paramref name="uid"/> (of either kind): one query for them
    /// all (the export's group filter runs it once per page). No such group: none.
    /// </summary>
    public async Task<IReadOnlySet<string>> MembersAmongAsync(Tenant tenant, long uid, IReadOnlyCollection<string> userIds,
        CancellationToken cancellationToken)
    {
        if (userIds.Count == 0 || await store.FindByUidAsync(tenant, uid, cancellationToken) is not { } group)
        {
            return new HashSet<string>();
        }

        if (group.Type != GroupTypes.Conditional)
        {
            return (await store.FindLiveMembersAmongAsync(tenant, uid, userIds, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        }

        var filter = await CompileStoredAsync(tenant, group, cancellationToken);
        return filter is null
            ? new HashSet<string>()
            : (await attributes.FindUserIdsAsync(tenant, filter, 0, userIds.Count, userIds.ToList(), cancellationToken)).UserIds
                .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The user's groups of both kinds, ascending by uid (conditional groups: at most <see cref="UserGroupService.MaxGroupsPerUserLookup"/>).</summary>
    public async Task<IReadOnlyList<UserGroup>> GroupsOfUserAsync(Tenant tenant, string userId, CancellationToken cancellationToken)
    {
        var found = (await groups.BulkGroupsOfUserAsync(tenant, userId, cancellationToken)).ToList();
        foreach (var group in await store.ListByTypeAsync(tenant, GroupTypes.Conditional, UserGroupService.MaxGroupsPerUserLookup,
                     cancellationToken))
        {
            var filter = await CompileStoredAsync(tenant, group, cancellationToken);
            if (filter is not null && await attributes.MatchesAsync(tenant, filter, userId, cancellationToken))
            {
                found.Add(group);
            }
        }

        return found.OrderBy(g => g.Uid).ToList();
    }

    /// <summary>
    /// Checks the conditions against the application's attribute definitions (a 400 names
    /// <c>conditions[i].definition_id</c>, <c>.type</c> or <c>.value</c>); returns them with their operands typed as
    /// the definitions want (the reference's client sends every value as a string: <c>"25"</c> for a number,
    /// <c>"a,b"</c> for a list).
    /// </summary>
    private async Task<IReadOnlyList<GroupCondition>> CheckConditionsAsync(Tenant tenant, List<ConditionsSchema> conditions,
        CancellationToken cancellationToken)
    {
        var typed = new List<GroupCondition>(conditions.Count);
        foreach (var condition in conditions)
        {
            string? type = null;
            try
            {
                type = (await definitions.GetAsync(tenant, condition.UserAttributeDefinitionId!, cancellationToken)).Type;
            }
            catch (NotFoundException)
            {
                // CompileAsync names the unknown definition below.
            }

            typed.Add(new GroupCondition
            {
                UserAttributeDefinitionId = condition.UserAttributeDefinitionId!.ToLowerInvariant(),
                Type = condition.Type!,
                Value = Typed(condition.Type!, condition.Value!.Value, type),
            });
        }

        await attributes.CompileAsync(tenant, true, ToAttributeConditions(typed), "conditions", cancellationToken);
        return typed;
    }

    /// <summary>The stored conditions compiled; null when they no longer apply (a definition was deleted or retyped): no members.</summary>
    private async Task<CompiledAttributeFilter?> CompileStoredAsync(Tenant tenant, UserGroup group, CancellationToken cancellationToken)
    {
        try
        {
            return await attributes.CompileAsync(tenant, true, ToAttributeConditions(group.Conditions), "conditions", cancellationToken);
        }
        catch (ValidationFailedException)
        {
            return null;
        }
    }

    private static List<AttributeCondition> ToAttributeConditions(IEnumerable<GroupCondition> conditions) =>
        conditions.Select(c =>
        {
            using var document = JsonDocument.Parse(c.Value);
            return new AttributeCondition(c.UserAttributeDefinitionId, c.Type, document.RootElement.Clone());
        }).ToList();

    /// <summary>The operand as JSON text, strings turned into numbers / booleans / lists where the definition wants them.</summary>
    private static string Typed(string op, JsonElement value, string? attributeType)
    {
        if (ListOperators.Contains(op) && value.ValueKind == JsonValueKind.String)
        {
            var items = value.GetString()!.Split(',', StringSplitOptions.TrimEntries);
            return "[" + string.Join(",", items.Select(i => Scalar(i, attributeType))) + "]";
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            return "[" + string.Join(",", value.EnumerateArray().Select(i =>
                i.ValueKind == JsonValueKind.String ? Scalar(i.GetString()!, attributeType) : i.GetRawText())) + "]";
        }

        return value.ValueKind == JsonValueKind.String ? Scalar(value.GetString()!, attributeType) : value.GetRawText();
    }

    private static string Scalar(string text, string? attributeType)
    {
        if (attributeType == AttributeTypes.Number &&
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return number.ToString("R", CultureInfo.InvariantCulture);
        }

        if (attributeType == AttributeTypes.Boolean && bool.TryParse(text, out var flag))
        {
            return flag ? "true" : "false";
        }

        return JsonSerializer.Serialize(text);
    }
}
