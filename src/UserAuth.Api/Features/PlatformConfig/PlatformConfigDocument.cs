using System.Security.Cryptography;
using System.Text;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.PlatformConfig;

/// <summary>
/// An application's stored platform (login) configuration, as the service works with it (not a wire contract).
/// A new instance holds the documented defaults; a stored one missing a field reads it as its default.
/// </summary>
internal sealed class PlatformConfigDocument
{
    /// <summary>Derived from the tenant (<see cref="IdFor"/>), so two racing first saves collide on it in every store.</summary>
    public string Id { get; set; } = "";

    public string CompanyId { get; set; } = "";

    public string ApplicationId { get; set; } = "";

    public bool Active { get; set; } = true;

    public string MobileImage { get; set; } = "";

    public string DesktopImage { get; set; } = "";

    public SocialSettings Social { get; set; } = new();

    public FlashCardSettings FlashCard { get; set; } = new();

    public bool Register { get; set; } = true;

    public bool ForgotPassword { get; set; } = true;

    public LoginMethods Login { get; set; } = new();

    public bool SkipCaptcha { get; set; }

    public string Display { get; set; } = "Fynd";

    public string Subtext { get; set; } = "Login to Fynd";

    public string Name { get; set; } = "Fynd";

    public RequiredFieldSettings RequiredFields { get; set; } = new();

    public RequiredFieldSettings RegisterRequiredFields { get; set; } = new();

    public bool SkipLogin { get; set; }

    public LookAndFeelSettings LookAndFeel { get; set; } = new();

    public SocialTokenSettings SocialTokens { get; set; } = new();

    public SessionSettings SessionConfig { get; set; } = new();

    public List<DeleteAccountReason> DeleteAccountReasons { get; set; } = [];

    public int DeleteAccountDay { get; set; } = 7;

    public string DeleteAccountConsent { get; set; } = "";

    /// <summary>The JSON text of the <c>meta</c> object the application last sent; null when it never sent one.</summary>
    public string? Meta { get; set; }

    /// <summary>0 for the defaults; incremented by every update, which is conditional on it.</summary>
    public int Version { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>The documented defaults of an application that never saved a configuration.</summary>
    public static PlatformConfigDocument DefaultsFor(Tenant tenant) => new()
    {
        Id = IdFor(tenant),
        CompanyId = tenant.CompanyId,
        ApplicationId = tenant.ApplicationId,
    };

    /// <summary>A 24-hex-digit id that is a function of the tenant: one configuration per application.</summary>
    public static string IdFor(Tenant tenant)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"platform-config\n{tenant.CompanyId}\n{tenant.ApplicationId}"));
        return Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }
}

internal sealed class SocialSettings
{
    public bool AccountKit { get; set; }

    /// <summary>Null until set: the older clients' answers carry no <c>apple</c>.</summary>
    public bool? Apple { get; set; }

    public bool Facebook { get; set; }

    public bool Google { get; set; }
}

internal sealed class FlashCardSettings
{
    public string Text { get; set; } = "";

    public string TextColor { get; set; } = "#FFFFFF";

    public string BackgroundColor { get; set; } = "#EF5350";
}

internal sealed class LoginMethods
{
    public bool Password { get; set; } = true;

    public bool Otp { get; set; } = true;
}

internal sealed class RequiredFieldSettings
{
    public FieldRule Email { get; set; } = new() { IsRequired = false, Level = FieldLevels.Hard };

    public FieldRule Mobile { get; set; } = new() { IsRequired = true, Level = FieldLevels.Hard };
}

internal sealed class FieldRule
{
    public bool IsRequired { get; set; }

    public string Level { get; set; } = FieldLevels.Hard;
}

internal static class FieldLevels
{
    public const string Hard = "hard";
    public const string Soft = "soft";

    public static readonly IReadOnlyList<string> All = [Hard, Soft];
}

internal sealed class LookAndFeelSettings
{
    public string CardPosition { get; set; } = CardPositions.Center;

    public string BackgroundColor { get; set; } = "#F5F5F5";
}

internal static class CardPositions
{
    public const string Center = "center";

    public static readonly IReadOnlyList<string> All = [Center, "left", "right"];
}

internal sealed class SocialTokenSettings
{
    public SocialAppSettings Google { get; set; } = new();

    public SocialAppSettings Facebook { get; set; } = new();

    public SocialAppSettings AccountKit { get; set; } = new();
}

internal sealed class SocialAppSettings
{
    public string AppId { get; set; } = "";

    /// <summary>The app secret encrypted by <see cref="SecretProtector"/>; null when there is none.</summary>
    public string? AppSecretCipher { get; set; }

    /// <summary>The masked secret that responses show (<see cref="SecretMask"/>); null when there is none.</summary>
    public string? AppSecretMask { get; set; }
}

/// <summary>How a stored secret is shown: never in full.</summary>
internal static class SecretMask
{
    public const string Prefix = "****";

    /// <summary>Secrets this long or longer show their last 4 characters; shorter ones show nothing.</summary>
    public const int MinLengthToHint = 12;

    public static string Of(string secret) =>
        secret.Length >= MinLengthToHint ? Prefix + secret[^4..] : Prefix;

    public static bool LooksMasked(string value) => value.StartsWith(Prefix, StringComparison.Ordinal);
}

internal sealed class SessionSettings
{
    public int Duration { get; set; } = 30;

    public string Type { get; set; } = SessionUnits.Days;

    public bool IsRolling { get; set; }
}

/// <summary>The units of <c>session_config.type</c>, spelt as the reference does.</summary>
internal static class SessionUnits
{
    public const string Days = "Days";
    public const string Hours = "Hours";
    public const string Minutes = "Minutes";

    /// <summary>The longest session any unit may describe.</summary>
    public static readonly TimeSpan MaxLength = TimeSpan.FromDays(365);

    public static readonly IReadOnlyList<string> All = [Days, Hours, Minutes];

    /// <summary>The largest duration of the unit (365 days), or of the smallest unit when the unit is unknown.</summary>
    public static int MaxDuration(string? unit) => unit switch
    {
        Days => 365,
        Hours => 365 * 24,
        _ => 365 * 24 * 60,
    };

    public static TimeSpan ToTimeSpan(int duration, string unit) => unit switch
    {
        Hours => TimeSpan.FromHours(duration),
        Minutes => TimeSpan.FromMinutes(duration),
        _ => TimeSpan.FromDays(duration),
    };
}

internal sealed class DeleteAccountReason
{
    public string ReasonId { get; set; } = "";

    public string ReasonText { get; set; } = "";

    /// <summary>Null when not sent: answered as sent.</summary>
    public bool? ShowTextArea { get; set; }
}
