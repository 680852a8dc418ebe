using System.ComponentModel.DataAnnotations;

namespace UserAuth.Api.Common.FileFetch;

/// <summary>
/// Configuration section <c>FileFetch</c>: the one policy for every file the service downloads (user groups, imports).
/// By default only <c>https</c> to public addresses; <see cref="AllowLoopback"/> opens <c>http</c> and <c>https</c> to
/// 127.0.0.0/8 and ::1 (local development and tests) and nothing else.
/// </summary>
internal sealed class FileFetchOptions
{
    public const string Section = "FileFetch";

    /// <summary>Allow http and https to loopback addresses (127.0.0.0/8, ::1) only; everything else stays refused.</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>Largest file accepted, in bytes (checked on Content-Length and while streaming).</summary>
    [Range(1, long.MaxValue)]
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Time limit of one download, from the first connect to the last byte, in seconds.</summary>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 120;

    /// <summary>Time limit of one TCP connect, in seconds.</summary>
    [Range(1, 120)]
    public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>Most data rows read from one file (the header row is not counted).</summary>
    [Range(1, 100_000_000)]
    public int MaxRows { get; set; } = 200_000;

    /// <summary>Redirects followed; each hop is checked like the first URL.</summary>
    [Range(0, 20)]
    public int MaxRedirects { get; set; } = 5;

    /// <summary>Longest URL accepted.</summary>
    [Range(16, 65_536)]
    public int MaxUrlLength { get; set; } = 2048;
}
