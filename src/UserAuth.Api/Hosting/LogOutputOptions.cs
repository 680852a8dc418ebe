namespace UserAuth.Api.Hosting;

/// <summary>How log lines are written (the <c>Logging</c> section also holds Microsoft's <c>LogLevel</c>).</summary>
internal sealed class LogOutputOptions
{
    public const string Section = "Logging";

    /// <summary>JSON lines (Serilog compact); unset means true outside Development.</summary>
    public bool? Json { get; set; }
}
