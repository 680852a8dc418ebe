namespace UserAuth.Api.Features.Lifecycle;

internal sealed class ErasureOptions
{
    public const string Section = "Lifecycle";

    /// <summary>Whether this instance runs the erasure job (safe on several at once).</summary>
    public bool ErasureJobEnabled { get; set; } = true;

    /// <summary>How often the erasure job looks for deleted users whose restore window has passed.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 86_400)]
    public int ErasureIntervalSeconds { get; set; } = 300;

    [System.ComponentModel.DataAnnotations.Range(1, 10_000)]
    public int ErasureBatchSize { get; set; } = 200;
}
