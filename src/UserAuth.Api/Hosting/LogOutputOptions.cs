namespace UserAuth.Api.Hosting;

/// <summary>How log lines are written (the <c>Logging</c> section also holds Microsoft's <c>LogLevel</c>).</summary>
internal sealed class LogOutputOptions
{
    public const string Section = "Logging";

    /// <summary>JSON lines (Serilog compact); unset means true outside Development.</summary>
    public bool? Json { get; set; }

    /// <summary>Lines are formatted and written by a background writer (the default), not on the request's thread.</summary>
    public bool Async { get; set; } = true;

    /// <summary>Log events the background writer holds before a new one waits for room.</summary>
    public const int AsyncBufferSize = 10_000;
}
