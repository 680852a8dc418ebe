using FluentValidation;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Lifecycle;

internal static class LifecycleRules
{
    public const int MaxReason = 500;
    public const int MaxBatch = 100;
}

internal sealed class BlockUserRequestValidator : AbstractValidator<BlockUserRequestSchema>
{
    public BlockUserRequestValidator()
    {
        RuleFor(x => x.UserId).Cascade(CascadeMode.Stop)
            .NotNull().WithMessage("is required")
            .NotEmpty().WithMessage("must hold at least one user id")
            .Must(ids => ids!.Count <= LifecycleRules.MaxBatch).WithMessage($"may hold at most {LifecycleRules.MaxBatch} user ids")
            .Must(ids => ids!.All(Ids.IsValid)).WithMessage("must hold 24-hex-digit user ids");
        RuleFor(x => x.Status).NotNull().WithMessage("is required: false blocks, true unblocks");
        RuleFor(x => x.Reason).MaximumLength(LifecycleRules.MaxReason);
    }
}

internal sealed class DeleteUserQueryValidator : AbstractValidator<DeleteUserQuery>
{
    public DeleteUserQueryValidator()
    {
        RuleFor(x => x.Reason)
            .Must(reason => !string.IsNullOrWhiteSpace(reason) && reason.Length <= LifecycleRules.MaxReason)
            .WithMessage($"is required, at most {LifecycleRules.MaxReason} characters");
    }
}

internal sealed class ArchiveUserRequestValidator : AbstractValidator<ArchiveUserRequestSchema>
{
    public ArchiveUserRequestValidator()
    {
        RuleFor(x => x.UserId).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .Must(Ids.IsValid).WithMessage("must be a 24-hex-digit id");
        RuleFor(x => x.Reason).MaximumLength(LifecycleRules.MaxReason);
    }
}

internal sealed class UnDeleteUserRequestValidator : AbstractValidator<UnDeleteUserRequestSchema>
{
    public UnDeleteUserRequestValidator()
    {
        RuleFor(x => x.UserId).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .Must(Ids.IsValid).WithMessage("must be a 24-hex-digit id");
        RuleFor(x => x.Reason).MaximumLength(LifecycleRules.MaxReason);
        RuleFor(x => x.ReasonId).MaximumLength(64);
    }
}
