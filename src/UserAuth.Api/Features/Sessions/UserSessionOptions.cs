using System.ComponentModel.DataAnnotations;

namespace UserAuth.Api.Features.Sessions;

/// <summary>Configuration section <c>Sessions</c>.</summary>
internal sealed class UserSessionOptions
{
    public const string Section = "Sessions";

    /// <summary>Minimum length of a cookie secret outside Development and Testing.</summary>
    public const int MinSecretLength = 32;

    /// <summary>
    /// The secret that signs the <c>f.session</c> cookie (HMAC-SHA256, as express-session / cookie-signature do). Every
    /// instance must share it; at least 32 characters outside Development and Testing (set Sessions__CookieSecret).
    /// Empty in Development or Testing: a fixed development value is used, with a warning.
    /// </summary>
    public string CookieSecret { get; set; } = "";

    /// <summary>Earlier secrets: cookies they signed still verify (rotation). New cookies use <see cref="CookieSecret"/>.</summary>
    public List<string> PreviousCookieSecrets { get; set; } = [];

    /// <summary>How often the sweeper removes expired sessions from a store without TTL (SQLite).</summary>
    [Range(10, 86_400)]
    public int SweepIntervalSeconds { get; set; } = 300;

    /// <summary>Rows one sweep deletes per statement; keeps write locks short.</summary>
    [Range(1, 100_000)]
    public int SweepBatchSize { get; set; } = 1000;

    /// <summary>True when <see cref="CookieSecret"/> is the derived development value.</summary>
    internal bool UsesDevelopmentSecret { get; set; }
}
