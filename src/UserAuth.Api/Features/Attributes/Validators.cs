using System.Text.Json;
using FluentValidation;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Attributes;

/// <summary>The shape of a definition body: every field that is sent is valid, and its validations fit its type.</summary>
internal sealed class DefinitionShapeValidator : AbstractValidator<CreateUserAttributeDefinition>
{
    public DefinitionShapeValidator()
    {
        RuleFor(x => x.Name!).Must(n => n.Trim().Length is > 0 and <= AttributeRules.MaxNameLength)
            .WithMessage($"must be 1 to {AttributeRules.MaxNameLength} characters").When(x => x.Name is not null);
        RuleFor(x => x.Slug!).Must(AttributeRules.IsSlug)
            .WithMessage($"must be 1 to {AttributeRules.MaxSlugLength} characters: a lowercase letter, then lowercase letters, digits, _ or -")
            .When(x => x.Slug is not null);
        RuleFor(x => x.Description!).MaximumLength(AttributeRules.MaxDescriptionLength).When(x => x.Description is not null);
        RuleFor(x => x.Type!).Must(t => AttributeTypes.All.Contains(t))
            .WithMessage($"must be one of {string.Join(", ", AttributeTypes.All)}").When(x => x.Type is not null);
        RuleFor(x => x.PinOrder!.Value).InclusiveBetween(0, 1_000_000).When(x => x.PinOrder is not null);
        RuleFor(x => x.DefaultValue!).MaximumLength(AttributeRules.MaxTextLength).When(x => x.DefaultValue is not null);
        RuleFor(x => x.Validations!).Must(v => v.Count <= 4).WithMessage("at most 4 validations (min, max, regex, enum)")
            .When(x => x.Validations is not null);
        RuleFor(x => x).Custom((body, context) =>
        {
            if (body.MultiValue is not null && body.IsMultiValue is not null && body.MultiValue != body.IsMultiValue)
            {
                context.AddFailure("multi_value", "multi_value and is_multi_value disagree");
            }

            if (body.Type is null || !AttributeTypes.All.Contains(body.Type) || body.Validations is not { Count: <= 4 } validations)
            {
                return;
            }

            foreach (var error in AttributeRules.CheckDefinition(body.Type, validations.Select(v => (v.Type, v.Value)).ToList(), out _))
            {
                context.AddFailure(error.Field, error.Reason);
            }
        });
    }
}

internal sealed class CreateUserAttributeDefinitionValidator : AbstractValidator<CreateUserAttributeDefinition>
{
    public CreateUserAttributeDefinitionValidator()
    {
        RuleFor(x => x.Name).NotNull().WithMessage("is required");
        RuleFor(x => x.Slug).NotNull().WithMessage("is required");
        RuleFor(x => x.Type).NotNull().WithMessage("is required");
        Include(new DefinitionShapeValidator());
    }
}

internal sealed class UpdateUserAttributeDefinitionValidator : AbstractValidator<UpdateUserAttributeDefinition>
{
    public UpdateUserAttributeDefinitionValidator() => Include(new DefinitionShapeValidator());
}

internal sealed class UserAttributesQueryValidator : AbstractValidator<UserAttributesQuery>
{
    public UserAttributesQueryValidator() => Include(new PagedQueryValidator());
}

internal sealed class UserAttributeDefinitionQueryValidator : AbstractValidator<UserAttributeDefinitionQuery>
{
    public UserAttributeDefinitionQueryValidator()
    {
        Include(new PagedQueryValidator());
        RuleFor(x => x.Type!).Must(t => AttributeTypes.All.Contains(t))
            .WithMessage($"must be one of {string.Join(", ", AttributeTypes.All)}").When(x => x.Type is not null);
        RuleFor(x => x.Name!).MaximumLength(AttributeRules.MaxNameLength).When(x => x.Name is not null);
        RuleFor(x => x.Slug!).MaximumLength(AttributeRules.MaxSlugLength).When(x => x.Slug is not null);
        RuleFor(x => x.ExcludedIds()).Must(ids => ids.All(Ids.IsValid)).WithName("excluding_ids")
            .WithMessage("must be 24-hex-digit ids (comma-separated or repeated)")
            .Must(ids => ids.Count <= 500).WithMessage("at most 500 ids");
    }
}

internal sealed class CreateUserAttributeRequestValidator : AbstractValidator<CreateUserAttributeRequest>
{
    public CreateUserAttributeRequestValidator()
    {
        RuleFor(x => x.Attribute).Must(a => a.ValueKind == JsonValueKind.Object && a.TryGetProperty("value", out _))
            .WithMessage("is required: an object {\"value\": ...} holding the typed value (a list for multi-value attributes)");
    }
}

internal sealed class CreateBulkUserAttributeValidator : AbstractValidator<CreateBulkUserAttribute>
{
    public CreateBulkUserAttributeValidator()
    {
        RuleFor(x => x.Attributes).Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("is required")
            .Must(a => a!.Count is > 0 and <= AttributeRules.MaxValues).WithMessage($"must hold 1 to {AttributeRules.MaxValues} values");
        RuleForEach(x => x.Attributes).NotNull().WithMessage("must be an object").ChildRules(item =>
        {
            item.RuleFor(x => x.DefinitionId).Must(Ids.IsValid).WithMessage("must be a 24-hex-digit id");
            item.RuleFor(x => x.Value).Must(v => v.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
                .WithMessage("is required");
        });
        RuleFor(x => x.Attributes!).Must(a => a.Select(x => x.DefinitionId?.ToLowerInvariant()).Distinct().Count() == a.Count)
            .WithMessage("names a definition twice").When(x => x.Attributes is not null && x.Attributes.All(a => a is not null));
    }
}

internal sealed class DeleteBulkUserAttributeValidator : AbstractValidator<DeleteBulkUserAttribute>
{
    public DeleteBulkUserAttributeValidator()
    {
        RuleFor(x => x.DefinitionIds).Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("is required")
            .Must(a => a!.Count is > 0 and <= AttributeRules.MaxValues).WithMessage($"must hold 1 to {AttributeRules.MaxValues} ids")
            .Must(a => a!.All(Ids.IsValid)).WithMessage("must be 24-hex-digit ids");
    }
}

internal sealed class UserAttributeFilterValidator : AbstractValidator<UserAttributeFilter>
{
    public UserAttributeFilterValidator(Identifiers identifiers)
    {
        RuleFor(x => x.Query).NotNull().WithMessage("is required");
        RuleFor(x => x.Query!).SetValidator(new UserAttributeFilterQueryValidator(identifiers)).When(x => x.Query is not null);
    }
}

internal sealed class UserAttributeFilterQueryValidator : AbstractValidator<UserAttributeFilterQuery>
{
    public UserAttributeFilterQueryValidator(Identifiers identifiers)
    {
        RuleFor(x => x.Type).Must(t => t is "and" or "or").WithMessage("must be and or or");
        RuleFor(x => x.Limit).Cascade(CascadeMode.Stop).NotNull().WithMessage("is required")
            .InclusiveBetween(1, PageRequest.MaxSize).WithMessage($"must be between 1 and {PageRequest.MaxSize}");
        RuleFor(x => x.Page).Cascade(CascadeMode.Stop).NotNull().WithMessage("is required")
            .InclusiveBetween(1, PageRequest.MaxPageNo).WithMessage($"must be between 1 and {PageRequest.MaxPageNo}");
        RuleFor(x => x.Email!).Cascade(CascadeMode.Stop).MaximumLength(254)
            .Must(e => Identifiers.NormalizeEmail(e) is not null).WithMessage("is not an email address")
            .When(x => !string.IsNullOrWhiteSpace(x.Email));
        RuleFor(x => x.Phone!).Cascade(CascadeMode.Stop).MaximumLength(32)
            .Must(p => identifiers.ParsePhone(p) is not null).WithMessage("is not a phone number")
            .When(x => !string.IsNullOrWhiteSpace(x.Phone));
        RuleFor(x => x.Conditions)
            .Must((q, c) => c is null || c.Count > 0 || !string.IsNullOrWhiteSpace(q.Email) || !string.IsNullOrWhiteSpace(q.Phone))
            .WithMessage("give at least one condition, or an email or phone");
        RuleFor(x => x.DefinitionIds!).Must(a => a.Count <= AttributeRules.MaxValues && a.All(Ids.IsValid))
            .WithMessage($"must be at most {AttributeRules.MaxValues} 24-hex-digit ids").When(x => x.DefinitionIds is not null);
        RuleFor(x => x.Conditions).Cascade(CascadeMode.Stop).NotNull().WithMessage("is required")
            .Must(c => c!.Count <= AttributeConditions.MaxConditions)
            .WithMessage($"at most {AttributeConditions.MaxConditions} conditions");
        RuleForEach(x => x.Conditions).NotNull().WithMessage("must be an object").ChildRules(c =>
        {
            c.RuleFor(x => x.DefinitionId).Must(Ids.IsValid).WithMessage("must be a 24-hex-digit id");
            c.RuleFor(x => x.Type).Must(t => t is not null && AttributeConditions.Operators.Contains(t))
                .WithMessage($"must be one of {string.Join(" ", AttributeConditions.Operators)}");
            c.RuleFor(x => x.Value).Must(v => v.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
                .WithMessage("is required");
        });
    }
}
