using FluentValidation;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Lifecycle;

/// <summary>BlockUserRequestSchema: status false blocks, true unblocks.</summary>
internal sealed record BlockUserRequestSchema
{
    public List<string>? UserId { get; init; }

    public bool? Status { get; init; }

    public string? Reason { get; init; }
}

/// <summary>BlockUserSuccess, with what was done.</summary>
internal sealed record BlockUserSuccess(bool Success, IReadOnlyList<string> UserIds, int RevokedSessions);

/// <summary>ArchiveUserRequestSchema.</summary>
internal sealed record ArchiveUserRequestSchema
{
    public string? UserId { get; init; }

    public string? Reason { get; init; }
}

/// <summary>ArchiveUserSuccess.</summary>
internal sealed record ArchiveUserSuccess(bool Success, string UserId, int RevokedSessions);

/// <summary>UnDeleteUserRequestSchema.</summary>
internal sealed record UnDeleteUserRequestSchema
{
    public string? UserId { get; init; }

    public string? Reason { get; init; }

    public string? ReasonId { get; init; }
}

/// <summary>UnDeleteUserSuccess.</summary>
internal sealed record UnDeleteUserSuccess(bool Success);

/// <summary>The answer of the delete endpoint: the user is restorable until <c>delete_on</c>.</summary>
internal sealed record DeleteUserSuccess(bool Success, string UserId, string DeleteOn, int RevokedSessions);

/// <summary>One lifecycle event of a user.</summary>
internal sealed record TimelineItem(string Date, string Title, string Type, bool Visible, string? SubTitle);

/// <summary>getUserTimeline's answer.</summary>
internal sealed record UserTimelineSchema(string? DeleteOn, IReadOnlyList<TimelineItem> Timeline);

internal static class LifecycleRules
{
    public const int MaxReason = 500;
    public const int MaxBatch = 100;
}

internal sealed class BlockUserRequestValidator : FluentValidation.AbstractValidator<BlockUserRequestSchema>
{
    public BlockUserRequestValidator()
    {
        RuleFor(x => x.UserId).Cascade(FluentValidation.CascadeMode.Stop)
            .NotNull().WithMessage("is required")
            .NotEmpty().WithMessage("must hold at least one user id")
            .Must(ids => ids!.Count <= LifecycleRules.MaxBatch).WithMessage($"may hold at most {LifecycleRules.MaxBatch} user ids")
            .Must(ids => ids!.All(Ids.IsValid)).WithMessage("must hold 24-hex-digit user ids");
        RuleFor(x => x.Status).NotNull().WithMessage("is required: false blocks, true unblocks");
        RuleFor(x => x.Reason).MaximumLength(LifecycleRules.MaxReason);
    }
}

internal sealed class ArchiveUserRequestValidator : FluentValidation.AbstractValidator<ArchiveUserRequestSchema>
{
    public ArchiveUserRequestValidator()
    {
        RuleFor(x => x.UserId).Cascade(FluentValidation.CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .Must(Ids.IsValid).WithMessage("must be a 24-hex-digit id");
        RuleFor(x => x.Reason).MaximumLength(LifecycleRules.MaxReason);
    }
}

internal sealed class UnDeleteUserRequestValidator : FluentValidation.AbstractValidator<UnDeleteUserRequestSchema>
{
    public UnDeleteUserRequestValidator()
    {
        RuleFor(x => x.UserId).Cascade(FluentValidation.CascadeMode.Stop)
            .NotEmpty().WithMessage("is required")
            .Must(Ids.IsValid).WithMessage("must be a 24-hex-digit id");
        RuleFor(x => x.Reason).MaximumLength(LifecycleRules.MaxReason);
        RuleFor(x => x.ReasonId).MaximumLength(64);
    }
}
