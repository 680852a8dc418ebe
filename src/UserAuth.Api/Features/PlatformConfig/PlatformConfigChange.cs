namespace UserAuth.Api.Features.PlatformConfig;

/// <summary>
/// An updatePlatformConfig as domain values: null means "not sent", the stored value stays; inside a sent group each
/// field on its own. A sent <see cref="DeleteAccountReasons"/> replaces the list; <see cref="Meta"/> is the sent meta
/// object as JSON text.
/// </summary>
internal sealed record PlatformConfigChange
{
    public bool? Active { get; init; }

    public string? MobileImage { get; init; }

    public string? DesktopImage { get; init; }

    public bool? Register { get; init; }

    public bool? ForgotPassword { get; init; }

    public bool? SkipCaptcha { get; init; }

    public bool? SkipLogin { get; init; }

    public string? Display { get; init; }

    public string? Subtext { get; init; }

    public string? Name { get; init; }

    public string? Meta { get; init; }

    public SocialChange? Social { get; init; }

    public FlashCardChange? FlashCard { get; init; }

    public LoginChange? Login { get; init; }

    public FieldRuleChange? RequiredEmail { get; init; }

    public FieldRuleChange? RequiredMobile { get; init; }

    public FieldRuleChange? RegisterRequiredEmail { get; init; }

    public FieldRuleChange? RegisterRequiredMobile { get; init; }

    public LookAndFeelChange? LookAndFeel { get; init; }

    public SocialAppChange? Google { get; init; }

    public SocialAppChange? Facebook { get; init; }

    public SocialAppChange? AccountKit { get; init; }

    public SessionChange? Session { get; init; }

    public IReadOnlyList<DeleteAccountReason>? DeleteAccountReasons { get; init; }

    public int? DeleteAccountDay { get; init; }

    public string? DeleteAccountConsent { get; init; }
}

internal sealed record SocialChange(bool? AccountKit, bool? Apple, bool? Facebook, bool? Google);

internal sealed record FlashCardChange(string? Text, string? TextColor, string? BackgroundColor);

internal sealed record LoginChange(bool? Password, bool? Otp);

internal sealed record FieldRuleChange(bool? IsRequired, string? Level);

internal sealed record LookAndFeelChange(string? CardPosition, string? BackgroundColor);

/// <summary>
/// A social app's settings: <see cref="AppSecret"/> null keeps the stored secret, the masked value shown keeps it too,
/// <c>""</c> removes it, anything else replaces it.
/// </summary>
internal sealed record SocialAppChange(string? AppId, string? AppSecret);

internal sealed record SessionChange(int? Duration, string? Type, bool? IsRolling);
