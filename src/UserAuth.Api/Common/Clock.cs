namespace UserAuth.Api.Common;

internal static class ClockExtensions
{
    /// <summary>Now in UTC, to the millisecond: what both stores and the wire keep.</summary>
    public static DateTime UtcNowMs(this TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }
}
