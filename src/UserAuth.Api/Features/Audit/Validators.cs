using FluentValidation;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Audit;

internal sealed class AuditTrailQueryValidator : AbstractValidator<AuditTrailQuery>
{
    public AuditTrailQueryValidator()
    {
        Include(new PagedQueryValidator());
        RuleFor(x => x.UserId).Must(id => id is null || Ids.IsValid(id)).WithMessage("must be a 24-hex-digit id");
    }
}

internal sealed class CompanyAuditTrailQueryValidator : AbstractValidator<CompanyAuditTrailQuery>
{
    public CompanyAuditTrailQueryValidator() => Include(new PagedQueryValidator());
}
