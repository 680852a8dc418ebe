using System.ComponentModel.DataAnnotations;

namespace UserAuth.Api.Hosting;

/// <summary>Limits every request shares.</summary>
internal sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>Bodies larger than this are refused before they are read (413).</summary>
    [Range(1024, long.MaxValue)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
