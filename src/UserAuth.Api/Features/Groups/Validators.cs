using System.Text.Json;
using FluentValidation;
using UserAuth.Api.Common;
using UserAuth.Api.Common.FileFetch;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Groups;

internal static class GroupRules
{
    public const int MaxName = 100;
    public const int MaxDescription = 1000;
    public const int MaxConditions = 20;
    public const int MaxUserData = 5000;

    public static readonly IReadOnlyList<string> Actions = ["add", "remove"];

    public static readonly IReadOnlyList<string> Operators =
        ["eq", "ne", "gt", "lt", "gte", "lte", "cnt", "nct", "is", "nis", "sw", "ew", "btw", "in", "nin"];

    public static IRuleBuilderOptions<T, string?> Text<T>(this IRuleBuilder<T, string?> rule, int max) =>
        rule.Must(v => v is null || v.Trim().Length > 0).WithMessage("must not be blank")
            .MaximumLength(max);

    /// <summary>A file URL the fetch policy accepts on its face (the 400 names the reason).</summary>
    public static IRuleBuilderOptions<T, string?> FileUrl<T>(this IRuleBuilder<T, string?> rule, FileFetcher fetcher) =>
        rule.Must((_, url, context) =>
        {
            if (url is null || fetcher.Explain(url) is not { } reason)
            {
                return true;
            }

            context.MessageFormatter.AppendArgument("Reason", reason);
            return false;
        }).WithMessage("{Reason}");

    public static void ConditionRules<T>(AbstractValidator<T> validator, Func<T, List<ConditionsSchema>?> conditions)
    {
        validator.RuleFor(x => conditions(x)).Must(c => c is null || c.Count <= MaxConditions)
            .WithMessage($"at most {MaxConditions} conditions").OverridePropertyName("conditions");
        validator.RuleForEach(x => conditions(x)).NotNull().WithMessage("must be an object").ChildRules(c =>
        {
            c.RuleFor(x => x.UserAttributeDefinitionId).Must(Ids.IsValid).WithMessage("must be a 24-hex-digit id");
            c.RuleFor(x => x.Type).Must(t => t is not null && Operators.Contains(t))
                .WithMessage($"must be one of {string.Join(" ", Operators)}");
            c.RuleFor(x => x.Value).Must(v => v is { ValueKind: JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Array })
                .WithMessage("is required (a string, number or list)");
        }).OverridePropertyName("conditions");
    }
}

internal sealed class CreateUserGroupValidator : AbstractValidator<CreateUserGroup>
{
    public CreateUserGroupValidator(FileFetcher fetcher)
    {
        RuleFor(x => x.Name).NotNull().WithMessage("is required").Text(GroupRules.MaxName);
        RuleFor(x => x.Description).NotNull().WithMessage("is required").Text(GroupRules.MaxDescription);
        RuleFor(x => x.Type).Must(t => t is null || GroupTypes.All.Contains(t))
            .WithMessage($"must be one of {string.Join(", ", GroupTypes.All)}");
        RuleFor(x => x.FileUrl).FileUrl(fetcher);
        RuleFor(x => x.FileUrl).Null().WithMessage("is not used by conditional groups")
            .When(x => IsConditional(x.Type, x.Conditions));
        RuleFor(x => x.Conditions).Must(c => c is { Count: > 0 }).WithMessage("at least one condition is required")
            .When(x => x.Type == GroupTypes.Conditional);
        RuleFor(x => x.Conditions).Must(c => c is null || c.Count == 0).WithMessage("are used by conditional groups only")
            .When(x => x.Type == GroupTypes.Bulk);
        GroupRules.ConditionRules(this, x => x.Conditions);
    }

    public static bool IsConditional(string? type, List<ConditionsSchema>? conditions) =>
        type == GroupTypes.Conditional || (type is null && conditions is { Count: > 0 });
}

internal sealed class UpdateUserGroupSchemaValidator : AbstractValidator<UpdateUserGroupSchema>
{
    public UpdateUserGroupSchemaValidator(FileFetcher fetcher)
    {
        RuleFor(x => x.Name).Text(GroupRules.MaxName);
        RuleFor(x => x.Description).Text(GroupRules.MaxDescription);
        RuleFor(x => x.Type).Must(t => t is null || GroupTypes.All.Contains(t))
            .WithMessage($"must be one of {string.Join(", ", GroupTypes.All)}");
        RuleFor(x => x.FileUrl).FileUrl(fetcher);
        RuleFor(x => x.FileUrl).Null().WithMessage("cannot be sent with conditions").When(x => x.Conditions is { Count: > 0 });
        RuleFor(x => x.Conditions).Must(c => c is null || c.Count > 0).WithMessage("at least one condition is required");
        GroupRules.ConditionRules(this, x => x.Conditions);
    }
}

internal sealed class PartialUserGroupUpdateSchemaValidator : AbstractValidator<PartialUserGroupUpdateSchema>
{
    public PartialUserGroupUpdateSchemaValidator(FileFetcher fetcher, Identifiers identifiers)
    {
        RuleFor(x => x.Name).Text(GroupRules.MaxName);
        RuleFor(x => x.Description).Text(GroupRules.MaxDescription);
        RuleFor(x => x.Type).Must(t => t is null or RunSources.File or RunSources.Json)
            .WithMessage($"must be {RunSources.File} or {RunSources.Json}");
        RuleFor(x => x.FileUrl).FileUrl(fetcher);
        RuleFor(x => x.FileUrl).NotNull().WithMessage("is required when type is file_url").When(x => x.Type == RunSources.File);
        RuleFor(x => x.FileUrl).Null().WithMessage("is not used when type is json").When(x => x.Type == RunSources.Json);
        RuleFor(x => x.UserData).Must(d => d is { Count: > 0 }).WithMessage("is required when type is json")
            .When(x => x.Type == RunSources.Json);
        RuleFor(x => x.UserData).Null().WithMessage("is used only when type is json").When(x => x.Type != RunSources.Json);
        RuleFor(x => x.UserData).Must(d => d is null || d.Count <= GroupRules.MaxUserData)
            .WithMessage($"at most {GroupRules.MaxUserData} entries");
        RuleForEach(x => x.UserData).NotNull().WithMessage("must be an object").ChildRules(entry =>
        {
            entry.RuleFor(e => e.Action).Must(a => a is not null && GroupRules.Actions.Contains(a.Trim().ToLowerInvariant()))
                .WithMessage("must be add or remove");
            entry.RuleFor(e => e).Must(e => CountIdentifiers(e) == 1)
                .WithMessage("must name the user by exactly one of user_id, email, phone_number").OverridePropertyName("user_id");
            entry.RuleFor(e => e.UserId).Must(Ids.IsValid).WithMessage("must be a 24-hex-digit id").When(e => !string.IsNullOrWhiteSpace(e.UserId));
            entry.RuleFor(e => e.Email).Must(e => Identifiers.NormalizeEmail(e) is not null).WithMessage("is not a valid email address")
                .When(e => !string.IsNullOrWhiteSpace(e.Email));
            entry.RuleFor(e => e.PhoneNumber).Must(p => identifiers.ParsePhone(p) is not null).WithMessage("is not a valid phone number")
                .When(e => !string.IsNullOrWhiteSpace(e.PhoneNumber));
        });
    }

    private static int CountIdentifiers(UserGroupUpdateData e) =>
        (string.IsNullOrWhiteSpace(e.UserId) ? 0 : 1) + (string.IsNullOrWhiteSpace(e.Email) ? 0 : 1) +
        (string.IsNullOrWhiteSpace(e.PhoneNumber) ? 0 : 1);
}

internal sealed class UserGroupsQueryValidator : AbstractValidator<UserGroupsQuery>
{
    public UserGroupsQueryValidator()
    {
        Include(new PagedQueryValidator());
        RuleFor(x => x.Name).MaximumLength(GroupRules.MaxName);
        RuleFor(x => x.Type).Must(t => t is null || t.Length == 0 || GroupTypes.All.Contains(t))
            .WithMessage($"must be one of {string.Join(", ", GroupTypes.All)}");
        RuleFor(x => x.Status).Must(s => s is null || s.Length == 0 || GroupStatuses.All.Contains(s))
            .WithMessage($"must be one of {string.Join(", ", GroupStatuses.All)}");
        RuleFor(x => x.GroupUid).GreaterThanOrEqualTo(1).OverridePropertyName("group_uid");
    }
}

internal sealed class MembershipQueryValidator : AbstractValidator<MembershipQuery>
{
    public MembershipQueryValidator() => Include(new PagedQueryValidator());
}

/// <summary>The <c>group_id</c> of a path: the group's uid, a positive number.</summary>
internal sealed record GroupRoute
{
    [Microsoft.AspNetCore.Mvc.FromRoute(Name = "group_id")]
    public string? GroupId { get; init; }

    public long Uid => long.Parse(GroupId!, System.Globalization.CultureInfo.InvariantCulture);
}

internal sealed class GroupRouteValidator : AbstractValidator<GroupRoute>
{
    public GroupRouteValidator()
    {
        RuleFor(x => x.GroupId).Must(g => long.TryParse(g, System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var uid) && uid >= 1)
            .WithMessage("must be a group's uid (a positive number)").OverridePropertyName("group_id");
    }
}

/// <summary>The <c>user_id</c> of a path.</summary>
internal sealed record UserRoute
{
    [Microsoft.AspNetCore.Mvc.FromRoute(Name = "user_id")]
    public string? UserId { get; init; }

    public string Id => UserId!.ToLowerInvariant();
}

internal sealed class UserRouteValidator : AbstractValidator<UserRoute>
{
    public UserRouteValidator()
    {
        RuleFor(x => x.UserId).Must(Ids.IsValid).WithMessage("must be a 24-hex-digit id").OverridePropertyName("user_id");
    }
}
