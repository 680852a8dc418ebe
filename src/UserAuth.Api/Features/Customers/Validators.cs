using System.Text.Json;
using FluentValidation;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Customers;

internal static class CustomerRules
{
    public const int MaxMetaBytes = 16 * 1024;
    public const int MaxListItems = 10;
    public const int MaxQueryLength = 254;
    public const int MaxSearchTerms = 100;

    public static IRuleBuilderOptions<T, string?> Name<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(100).NoControlCharacters().Must(v => v is null || v.Trim().Length == v.Length || v.Trim().Length > 0)
            .WithMessage("must not be blank");

    /// <summary>A JSON object within <see cref="FreeFormJson"/>'s limits and <see cref="MaxMetaBytes"/>.</summary>
    public static IRuleBuilderOptionsConditions<T, JsonElement?> Meta<T>(this IRuleBuilder<T, JsonElement?> rule) =>
        rule.FreeFormObject(MaxMetaBytes);
}

/// <summary>The profile fields createUser and updateUser share, checked alike.</summary>
internal sealed class ProfileFieldsValidator : AbstractValidator<IProfileFields>
{
    public ProfileFieldsValidator()
    {
        RuleFor(x => x.FirstName).Name();
        RuleFor(x => x.LastName).Name();
        RuleFor(x => x.Gender).MaximumLength(32).NoControlCharacters();
        RuleFor(x => x.ExternalId).MaximumLength(128).NoControlCharacters();
        RuleFor(x => x.RrId).MaximumLength(128).NoControlCharacters();
        RuleFor(x => x.Meta).Meta();
    }
}

internal sealed class CreateUserRequestValidator : AbstractValidator<CreateUserRequestSchema>
{
    public CreateUserRequestValidator(Identifiers identifiers)
    {
        RuleFor(x => x.Username).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .MaximumLength(64)
            .Matches("^[A-Za-z0-9_.@+-]+$").WithMessage("may hold letters, digits and _ . @ + - only");
        RuleFor(x => x.PhoneNumber).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .Must(p => identifiers.ParsePhone(p) is not null).WithMessage("is not a valid phone number");
        RuleFor(x => x.Email)
            .Must(e => Identifiers.NormalizeEmail(e) is not null).WithMessage("is not a valid email address")
            .When(x => x.Email is not null);
        Include(new ProfileFieldsValidator());
    }
}

internal sealed class UpdateUserRequestValidator : AbstractValidator<UpdateUserRequestSchema>
{
    public UpdateUserRequestValidator(Identifiers identifiers)
    {
        Include(new ProfileFieldsValidator());

        When(x => x.Emails is not null, () =>
        {
            RuleFor(x => x.Emails!).Cascade(CascadeMode.Stop)
                .Must(list => list.Count <= CustomerRules.MaxListItems).WithMessage($"may hold at most {CustomerRules.MaxListItems} emails")
                .Must(list => list.Count == 0 || list.Count(e => e?.Primary == true) == 1)
                .WithMessage("must have exactly one primary email")
                .Must(list => list.Select(e => Identifiers.NormalizeEmail(e?.Email)).Where(e => e is not null)
                    .GroupBy(e => e).All(g => g.Count() == 1))
                .WithMessage("must not repeat an email");
            RuleForEach(x => x.Emails).NotNull().WithMessage("must be an object").ChildRules(email =>
            {
                email.RuleFor(e => e.Email).Cascade(CascadeMode.Stop)
                    .NotEmpty().WithMessage("is required")
                    .Must(e => Identifiers.NormalizeEmail(e) is not null).WithMessage("is not a valid email address");
            }).OverridePropertyName("emails");
        });

        When(x => x.PhoneNumbers is not null, () =>
        {
            RuleFor(x => x.PhoneNumbers!).Cascade(CascadeMode.Stop)
                .NotEmpty().WithMessage("must hold at least one phone number")
                .Must(list => list.Count <= CustomerRules.MaxListItems).WithMessage($"may hold at most {CustomerRules.MaxListItems} phone numbers")
                .Must(list => list.Count(p => p?.Primary == true) == 1).WithMessage("must have exactly one primary phone number")
                .Must(list => list.Select(p => identifiers.ParsePhone(p?.Phone, p?.CountryCode)?.E164).Where(p => p is not null)
                    .GroupBy(p => p).All(g => g.Count() == 1))
                .WithMessage("must not repeat a phone number");
            RuleForEach(x => x.PhoneNumbers).NotNull().WithMessage("must be an object").ChildRules(phone =>
            {
                phone.RuleFor(p => p.Phone).Cascade(CascadeMode.Stop)
                    .NotEmpty().WithMessage("is required")
                    .Must((p, _) => identifiers.ParsePhone(p.Phone, p.CountryCode) is not null)
                    .WithMessage("is not a valid phone number for its country code");
            }).OverridePropertyName("phone_numbers");
        });
    }
}

internal sealed class GetCustomersQueryValidator : AbstractValidator<GetCustomersQuery>
{
    public GetCustomersQueryValidator()
    {
        RuleFor(x => x.Q).Must(q => q is null || q.Trim().Length <= CustomerRules.MaxQueryLength)
            .WithMessage($"must be at most {CustomerRules.MaxQueryLength} characters");
        Include(new PagedQueryValidator());
    }
}

internal sealed class SearchUsersQueryValidator : AbstractValidator<SearchUsersQuery>
{
    public SearchUsersQueryValidator()
    {
        RuleFor(x => x.Q).Must((query, _) => query.Terms().Count > 0)
            .WithMessage("give q or at least one query value (an email or a phone number)");
        RuleFor(x => x.Query).Must((query, _) => query.Terms().Count <= CustomerRules.MaxSearchTerms)
            .WithMessage($"may hold at most {CustomerRules.MaxSearchTerms} values");
    }
}
