using System.ComponentModel.DataAnnotations;

namespace UserAuth.Api.Features.Idempotency;

/// <summary>Configuration section <c>Idempotency</c>: how long keys are kept and how concurrent retries wait.</summary>
internal sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>The longest key accepted (characters, printable ASCII).</summary>
    public const int MaxKeyLength = 255;

    /// <summary>How long a key and its first answer are kept (a retry after that runs again as a new request).</summary>
    [Range(60, 30 * 86_400)]
    public int RetentionSeconds { get; set; } = 86_400;

    /// <summary>
    /// How long a retry waits for the first request with its key to finish before it is answered 409
    /// <c>idempotency_key_in_progress</c> (with Retry-After); 0 answers 409 at once.
    /// </summary>
    [Range(0, 60)]
    public int WaitForFirstSeconds { get; set; } = 10;

    /// <summary>
    /// How long a request holds its key while it runs. An instance that dies mid-request leaves its key held until then;
    /// a retry after that runs the request again. Longer than the slowest write (an import upload).
    /// </summary>
    [Range(5, 3_600)]
    public int LeaseSeconds { get; set; } = 120;

    /// <summary>How often the sweeper removes expired keys from a store without TTL (SQLite).</summary>
    [Range(10, 86_400)]
    public int SweepIntervalSeconds { get; set; } = 300;

    /// <summary>Keys one sweep deletes per statement.</summary>
    [Range(1, 100_000)]
    public int SweepBatchSize { get; set; } = 1000;
}
