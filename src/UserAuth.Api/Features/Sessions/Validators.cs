using System.Net;
using System.Text.RegularExpressions;
using FluentValidation;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Sessions;

internal static partial class SessionRules
{
    /// <summary>400 days: the longest Max-Age browsers keep a cookie for.</summary>
    public const long MaxAgeLimit = 400L * 24 * 3600;
    public const int MaxUserAgentLength = 512;
    public const int MaxIpLength = 45;
    public const int MaxReasonLength = 500;
    public const int MaxCookieLength = 1024;

    /// <summary>A DNS hostname: dot-separated labels of letters, digits and inner hyphens, at most 253 characters.</summary>
    /// <summary>
    /// A plausible public host name: labels of letters, digits and hyphens, at least two of them, the last (the top-level
    /// domain) letters only or an IDN <c>xn--</c> label. Refuses single labels (<c>x</c>, <c>localhost</c>) and IP
    /// addresses (<c>169.254.169.254</c>), which no storefront's cookie is set for.
    /// </summary>
    public static bool IsHostname(string? value) =>
        value is { Length: > 0 and <= 253 } && Hostname().IsMatch(value) && TopLevelDomain().IsMatch(value[(value.LastIndexOf('.') + 1)..]) &&
        value.Contains('.', StringComparison.Ordinal);

    public static bool IsIp(string? value) => value is { Length: > 0 and <= MaxIpLength } && IPAddress.TryParse(value, out _);

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$",
        RegexOptions.CultureInvariant)]
    private static partial Regex Hostname();

    [GeneratedRegex("^(?:[A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59})$", RegexOptions.CultureInvariant)]
    private static partial Regex TopLevelDomain();
}

internal sealed class CreateUserSessionRequestValidator : AbstractValidator<CreateUserSessionRequestSchema>
{
    public CreateUserSessionRequestValidator()
    {
        RuleFor(x => x.UserId).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .Must(Ids.IsValid).WithMessage("must be a 24-hex-digit id");
        RuleFor(x => x.Domain).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .Must(SessionRules.IsHostname).WithMessage("must be a hostname such as shop.example.com");
        RuleFor(x => x.MaxAge)
            .InclusiveBetween(1, SessionRules.MaxAgeLimit)
            .WithMessage($"must be between 1 and {SessionRules.MaxAgeLimit} seconds")
            .When(x => x.MaxAge is not null);
        RuleFor(x => x.Ip)
            .Must(SessionRules.IsIp).WithMessage("must be an IPv4 or IPv6 address")
            .When(x => x.Ip is not null);
        RuleFor(x => x.UserAgent).MaximumLength(SessionRules.MaxUserAgentLength);
    }
}

internal sealed class VerifyUserSessionRequestValidator : AbstractValidator<VerifyUserSessionRequestSchema>
{
    public VerifyUserSessionRequestValidator()
    {
        RuleFor(x => x.Cookie).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .MaximumLength(SessionRules.MaxCookieLength);
    }
}

internal static class SessionQueryRules
{
    public static IRuleBuilderOptions<T, string?> UserId<T>(this IRuleBuilderInitial<T, string?> rule) =>
        rule.Cascade(CascadeMode.Stop)
            .Must(id => !string.IsNullOrWhiteSpace(id)).WithMessage("is required")
            .Must(Ids.IsValid).WithMessage("must be a 24-hex-digit id");

    public static IRuleBuilderOptions<T, string?> Reason<T>(this IRuleBuilderInitial<T, string?> rule) =>
        rule.Cascade(CascadeMode.Stop)
            .Must(reason => !string.IsNullOrWhiteSpace(reason)).WithMessage("is required")
            .MaximumLength(SessionRules.MaxReasonLength).WithMessage($"must be at most {SessionRules.MaxReasonLength} characters");
}

internal sealed class GetActiveSessionsQueryValidator : AbstractValidator<GetActiveSessionsQuery>
{
    public GetActiveSessionsQueryValidator()
    {
        RuleFor(x => x.Id).UserId();
    }
}

internal sealed class DeleteSessionQueryValidator : AbstractValidator<DeleteSessionQuery>
{
    public DeleteSessionQueryValidator()
    {
        RuleFor(x => x.Id).UserId();
        // Any non-empty value is accepted here: an unknown or malformed session id is a 404, not a 400.
        RuleFor(x => x.SessionId).Must(id => !string.IsNullOrWhiteSpace(id)).WithMessage("is required");
        RuleFor(x => x.Reason).Reason();
    }
}

internal sealed class DeleteActiveSessionsQueryValidator : AbstractValidator<DeleteActiveSessionsQuery>
{
    public DeleteActiveSessionsQueryValidator()
    {
        RuleFor(x => x.Id).UserId();
        RuleFor(x => x.Reason).Reason();
    }
}
