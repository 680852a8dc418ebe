using FluentValidation;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Auth;

internal static class ApiClientRules
{
    public const int MaxDescription = 200;
    public const int MaxApplications = 100;
    public const int MaxRequestsPerSecond = 1_000_000;

    public static bool IsClientId(string? id) =>
        id is { Length: >= 3 and <= 64 } && char.IsAsciiLetterOrDigit(id[0]) &&
        id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    public static void Reach<T>(AbstractValidator<T> validator, System.Linq.Expressions.Expression<Func<T, List<string>?>> applications,
        System.Linq.Expressions.Expression<Func<T, List<string>?>> scopes)
    {
        validator.RuleFor(applications).Must(a => a is null || a.Count <= MaxApplications)
            .WithMessage($"must hold at most {MaxApplications} ids")
            .Must(a => a is null || a.All(Ids.IsValid)).WithMessage("must be 24-hex-digit ids");
        validator.RuleFor(scopes).Must(s => s is null || s.Count > 0).WithMessage("must name at least one scope (or be left out)")
            .Must(s => s is null || s.All(Scopes.Known.Contains))
            .WithMessage($"must each be one of {string.Join(", ", Scopes.Known)}");
    }
}

internal sealed class CreateApiClientRequestValidator : AbstractValidator<CreateApiClientRequest>
{
    public CreateApiClientRequestValidator()
    {
        RuleFor(x => x.ClientId).Must(id => id is null || ApiClientRules.IsClientId(id))
            .WithMessage("must be 3 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        RuleFor(x => x.Description).MaximumLength(ApiClientRules.MaxDescription).NoControlCharacters();
        ApiClientRules.Reach(this, x => x.ApplicationIds, x => x.Scopes);
        RuleFor(x => x.RequestsPerSecond).InclusiveBetween(1, ApiClientRules.MaxRequestsPerSecond);
    }
}

internal sealed class UpdateApiClientRequestValidator : AbstractValidator<UpdateApiClientRequest>
{
    public UpdateApiClientRequestValidator()
    {
        RuleFor(x => x.Description).MaximumLength(ApiClientRules.MaxDescription).NoControlCharacters();
        ApiClientRules.Reach(this, x => x.ApplicationIds, x => x.Scopes);
        RuleFor(x => x.RequestsPerSecond).InclusiveBetween(0, ApiClientRules.MaxRequestsPerSecond);
    }
}

internal sealed class RotateApiClientSecretRequestValidator : AbstractValidator<RotateApiClientSecretRequest>
{
    public RotateApiClientSecretRequestValidator() =>
        RuleFor(x => x.GraceSeconds).InclusiveBetween(0, AuthOptions.MaxRotationGraceSeconds);
}

internal sealed class ApiClientRouteValidator : AbstractValidator<ApiClientRoute>
{
    public ApiClientRouteValidator() =>
        RuleFor(x => x.ClientId).Must(ApiClientRules.IsClientId).OverridePropertyName("client_id")
            .WithMessage("must be 3 to 64 letters, digits, '.', '_' or '-'");
}

internal sealed class ApiClientsQueryValidator : AbstractValidator<ApiClientsQuery>
{
    public ApiClientsQueryValidator() => Include(new PagedQueryValidator());
}
