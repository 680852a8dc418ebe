using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Lifecycle;

/// <summary>BlockUserRequestSchema: status false blocks, true unblocks.</summary>
internal sealed record BlockUserRequestSchema
{
    public List<string>? UserId { get; init; }

    public bool? Status { get; init; }

    public string? Reason { get; init; }
}

/// <summary>BlockUserSuccess, with what was done.</summary>
internal sealed record BlockUserSuccess(bool Success, IReadOnlyList<string> UserIds, int RevokedSessions)
{
    public static BlockUserSuccess From(BlockOutcome outcome) => new(true, outcome.UserIds, outcome.RevokedSessions);
}

/// <summary>ArchiveUserRequestSchema.</summary>
internal sealed record ArchiveUserRequestSchema
{
    public string? UserId { get; init; }

    public string? Reason { get; init; }
}

/// <summary>ArchiveUserSuccess.</summary>
internal sealed record ArchiveUserSuccess(bool Success, string UserId, int RevokedSessions)
{
    public static ArchiveUserSuccess From(LifecycleOutcome outcome) => new(true, outcome.User.Id, outcome.RevokedSessions);
}

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
internal sealed record DeleteUserSuccess(bool Success, string UserId, string DeleteOn, int RevokedSessions)
{
    public static DeleteUserSuccess From(LifecycleOutcome outcome) => new(true, outcome.User.Id,
        UtcDateTimeConverter.ToWire(outcome.User.DeleteOn!.Value), outcome.RevokedSessions);
}

/// <summary>The delete endpoint's query: why the user is deleted (required).</summary>
internal sealed record DeleteUserQuery
{
    [FromQuery(Name = "reason")]
    public string? Reason { get; init; }
}

/// <summary>One lifecycle event of a user.</summary>
internal sealed record TimelineItem(string Date, string Title, string Type, bool Visible, string? SubTitle)
{
    public static TimelineItem From(TimelineEvent e) => new(UtcDateTimeConverter.ToWire(e.Date), e.Title, e.Type, e.Visible, e.SubTitle);
}

/// <summary>getUserTimeline's answer.</summary>
internal sealed record UserTimelineSchema(string? DeleteOn, IReadOnlyList<TimelineItem> Timeline)
{
    /// <summary><c>delete_on</c> only while the user is deleted and restorable; events oldest first.</summary>
    public static UserTimelineSchema From(User user, IReadOnlyList<TimelineEvent> events) => new(
        user.State == UserState.Deleted && user.DeleteOn is { } on ? UtcDateTimeConverter.ToWire(on) : null,
        events.OrderBy(e => e.Date).Select(TimelineItem.From).ToList());
}
