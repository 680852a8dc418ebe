using System.Text.RegularExpressions;
using FluentValidation;

namespace UserAuth.Api.Features.PlatformConfig;

internal static partial class PlatformConfigRules
{
    public const int MaxShortText = 100;
    public const int MaxSubtext = 250;
    public const int MaxFlashCardText = 500;
    public const int MaxConsentText = 2000;
    public const int MaxUrl = 2048;
    public const int MaxAppId = 256;
    public const int MaxAppSecret = 512;
    public const int MaxReasons = 50;
    public const int MaxReasonId = 64;
    public const int MaxReasonText = 500;
    public const int MaxDeleteAccountDay = 365;
    public const int MaxMetaBytes = 16 * 1024;

    [GeneratedRegex("^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")]
    private static partial Regex ColorPattern();

    /// <summary>A colour: <c>#RGB</c> or <c>#RRGGBB</c>. Null (not sent) passes.</summary>
    public static IRuleBuilderOptions<T, string?> Color<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(v => v is null || ColorPattern().IsMatch(v)).WithMessage("must be a colour like #FFF or #FFFFFF");

    /// <summary>An image: empty, or an absolute http(s) URL. Null (not sent) passes.</summary>
    public static IRuleBuilderOptions<T, string?> ImageUrl<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(v => v is null || v.Length == 0 || (v.Length <= MaxUrl && IsHttpUrl(v)))
            .WithMessage($"must be empty or an http(s) URL of at most {MaxUrl} characters");

    public static IRuleBuilderOptions<T, string?> OneOf<T>(this IRuleBuilder<T, string?> rule, IReadOnlyList<string> allowed) =>
        rule.Must(v => v is null || allowed.Contains(v, StringComparer.Ordinal))
            .WithMessage($"must be one of: {string.Join(", ", allowed)}");

    public static IRuleBuilderOptions<T, string?> AtMost<T>(this IRuleBuilder<T, string?> rule, int length) =>
        rule.Must(v => v is null || v.Length <= length).WithMessage($"must be at most {length} characters");

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && !string.IsNullOrEmpty(uri.Host);
}

/// <summary>Every field of an updatePlatformConfig body; each failure names its field (<c>flash_card.text_color</c>).</summary>
internal sealed class PlatformSchemaValidator : AbstractValidator<PlatformSchema>
{
    public PlatformSchemaValidator()
    {
        RuleFor(x => x.Display).AtMost(PlatformConfigRules.MaxShortText);
        RuleFor(x => x.Name).AtMost(PlatformConfigRules.MaxShortText);
        RuleFor(x => x.Subtext).AtMost(PlatformConfigRules.MaxSubtext);
        RuleFor(x => x.MobileImage).ImageUrl();
        RuleFor(x => x.DesktopImage).ImageUrl();
        RuleFor(x => x.FlashCard!).SetValidator(new FlashCardValidator());
        RuleFor(x => x.LookAndFeel!).SetValidator(new LookAndFeelValidator());
        RuleFor(x => x.RequiredFields!).SetValidator(new RequiredFieldsValidator());
        RuleFor(x => x.RegisterRequiredFields!).SetValidator(new RegisterRequiredFieldsValidator());
        RuleFor(x => x.SocialTokens!).SetValidator(new SocialTokensValidator());
        RuleFor(x => x.SessionConfig!).SetValidator(new SessionExpiryValidator());
        RuleFor(x => x.DeleteAccountConsent!).SetValidator(new DeleteAccountConsentValidator());
        RuleFor(x => x.Meta).Custom((meta, context) =>
        {
            if (meta is not null &&
                Common.FreeFormJson.Check(System.Text.Json.JsonSerializer.SerializeToElement(meta, Common.JsonDefaults.Options),
                    PlatformConfigRules.MaxMetaBytes) is { } problem)
            {
                context.AddFailure(problem);
            }
        });
        RuleFor(x => x.DeleteAccountDay)
            .InclusiveBetween(0, PlatformConfigRules.MaxDeleteAccountDay)
            .WithMessage($"must be a whole number of days from 0 to {PlatformConfigRules.MaxDeleteAccountDay}");

        When(x => x.DeleteAccountReasons is not null, () =>
        {
            RuleFor(x => x.DeleteAccountReasons!).Cascade(CascadeMode.Stop)
                .Must(list => list.Count <= PlatformConfigRules.MaxReasons)
                .WithMessage($"may hold at most {PlatformConfigRules.MaxReasons} reasons")
                .Must(list => list.Where(r => r?.ReasonId is not null).GroupBy(r => r.ReasonId, StringComparer.Ordinal).All(g => g.Count() == 1))
                .WithMessage("must not repeat a reason_id");
            RuleForEach(x => x.DeleteAccountReasons).NotNull().WithMessage("must be an object")
                .SetValidator(new DeleteAccountReasonsValidator());
        });
    }
}

internal sealed class FlashCardValidator : AbstractValidator<FlashCard>
{
    public FlashCardValidator()
    {
        RuleFor(x => x.Text).AtMost(PlatformConfigRules.MaxFlashCardText);
        RuleFor(x => x.TextColor).Color();
        RuleFor(x => x.BackgroundColor).Color();
    }
}

internal sealed class LookAndFeelValidator : AbstractValidator<LookAndFeel>
{
    public LookAndFeelValidator()
    {
        RuleFor(x => x.CardPosition).OneOf(CardPositions.All);
        RuleFor(x => x.BackgroundColor).Color();
    }
}

internal sealed class FieldRequirementValidator : AbstractValidator<FieldRequirement>
{
    public FieldRequirementValidator()
    {
        RuleFor(x => x.Level).OneOf(FieldLevels.All);
    }
}

internal sealed class RequiredFieldsValidator : AbstractValidator<RequiredFields>
{
    public RequiredFieldsValidator()
    {
        RuleFor(x => x.Email!).SetValidator(new FieldRequirementValidator());
        RuleFor(x => x.Mobile!).SetValidator(new FieldRequirementValidator());
    }
}

internal sealed class RegisterRequiredFieldsValidator : AbstractValidator<RegisterRequiredFields>
{
    public RegisterRequiredFieldsValidator()
    {
        RuleFor(x => x.Email!).SetValidator(new FieldRequirementValidator());
        RuleFor(x => x.Mobile!).SetValidator(new FieldRequirementValidator());
    }
}

internal sealed class SocialAppValidator : AbstractValidator<SocialApp>
{
    public SocialAppValidator()
    {
        RuleFor(x => x.AppId).AtMost(PlatformConfigRules.MaxAppId);
        RuleFor(x => x.AppIdSpelledAsInExample).AtMost(PlatformConfigRules.MaxAppId)
            .Must((app, spelled) => spelled is null || app.AppId is null || spelled == app.AppId)
            .WithMessage("differs from app_id; send one of the two spellings (answers use app_id)")
            .OverridePropertyName("appId");
        RuleFor(x => x.AppSecret).AtMost(PlatformConfigRules.MaxAppSecret);
    }
}

internal sealed class SocialTokensValidator : AbstractValidator<SocialTokens>
{
    public SocialTokensValidator()
    {
        RuleFor(x => x.Google!).SetValidator(new SocialAppValidator());
        RuleFor(x => x.Facebook!).SetValidator(new SocialAppValidator());
        RuleFor(x => x.AccountKit!).SetValidator(new SocialAppValidator());
    }
}

internal sealed class SessionExpiryValidator : AbstractValidator<SessionExpiry>
{
    public SessionExpiryValidator()
    {
        RuleFor(x => x.Type).OneOf(SessionUnits.All);
        RuleFor(x => x.Duration)
            .Must((session, duration) => duration is null || (duration >= 1 && duration <= SessionUnits.MaxDuration(session.Type)))
            .WithMessage(session => SessionUnits.All.Contains(session.Type)
                ? $"must be a whole number of {session.Type!.ToLowerInvariant()} from 1 to {SessionUnits.MaxDuration(session.Type)} (365 days)"
                : $"must be a whole number from 1 to {SessionUnits.MaxDuration(session.Type)} (365 days in minutes)");
    }
}

internal sealed class DeleteAccountConsentValidator : AbstractValidator<DeleteAccountConsent>
{
    public DeleteAccountConsentValidator()
    {
        RuleFor(x => x.ConsentText).AtMost(PlatformConfigRules.MaxConsentText);
    }
}

internal sealed class DeleteAccountReasonsValidator : AbstractValidator<DeleteAccountReasons>
{
    public DeleteAccountReasonsValidator()
    {
        RuleFor(x => x.ReasonId).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .AtMost(PlatformConfigRules.MaxReasonId);
        RuleFor(x => x.ReasonText).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .AtMost(PlatformConfigRules.MaxReasonText);
    }
}
