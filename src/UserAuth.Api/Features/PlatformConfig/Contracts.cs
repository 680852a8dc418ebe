using System.Text.Json;
using System.Text.Json.Serialization;

namespace UserAuth.Api.Features.PlatformConfig;

/// <summary>
/// PlatformSchema: an application's login configuration. In a request every field is optional: an absent field (or a
/// field inside a sent object) keeps its current value. <c>_id</c>, <c>created_at</c>, <c>updated_at</c>, <c>__v</c>
/// belong to the server and are ignored in requests; a sent <c>meta</c> is kept as sent (any keys, within the limits of
/// free-form JSON).
/// </summary>
internal sealed record PlatformSchema
{
    [JsonPropertyName("_id")]
    public string? Id { get; init; }

    public bool? Active { get; init; }

    /// <summary>Empty, or an http(s) URL.</summary>
    public string? MobileImage { get; init; }

    /// <summary>Empty, or an http(s) URL.</summary>
    public string? DesktopImage { get; init; }

    public Social? Social { get; init; }

    public FlashCard? FlashCard { get; init; }

    public bool? Register { get; init; }

    public bool? ForgotPassword { get; init; }

    public Login? Login { get; init; }

    public bool? SkipCaptcha { get; init; }

    public string? Display { get; init; }

    public string? Subtext { get; init; }

    public string? Name { get; init; }

    /// <summary>
    /// <c>{"fynd_default": true}</c> while the application has never saved its own configuration; then the <c>meta</c> it
    /// last sent (any JSON object, 16 KB at most), or <c>{}</c>.
    /// </summary>
    public MetaSchema? Meta { get; init; }

    public RequiredFields? RequiredFields { get; init; }

    public RegisterRequiredFields? RegisterRequiredFields { get; init; }

    public bool? SkipLogin { get; init; }

    public LookAndFeel? LookAndFeel { get; init; }

    /// <summary>App secrets are stored encrypted and answered masked; sending the masked value back keeps the secret.</summary>
    public SocialTokens? SocialTokens { get; init; }

    public SessionExpiry? SessionConfig { get; init; }

    /// <summary>A sent list replaces the stored one.</summary>
    public List<DeleteAccountReasons>? DeleteAccountReasons { get; init; }

    /// <summary>Days a deleted account can still be restored (0 to 365).</summary>
    public int? DeleteAccountDay { get; init; }

    public DeleteAccountConsent? DeleteAccountConsent { get; init; }

    public DateTime? CreatedAt { get; init; }

    public DateTime? UpdatedAt { get; init; }

    /// <summary>Incremented by every update.</summary>
    [JsonPropertyName("__v")]
    public int? Version { get; init; }

    /// <summary>
    /// The answer for a configuration. Defaults (never saved) carry <c>meta.fynd_default</c> and no <c>_id</c> or dates;
    /// secrets are shown masked only.
    /// </summary>
    public static PlatformSchema From(PlatformConfigDocument config)
    {
        var saved = config.Version > 0;
        return new PlatformSchema
        {
            Id = saved ? config.Id : null,
            Active = config.Active,
            MobileImage = config.MobileImage,
            DesktopImage = config.DesktopImage,
            Social = new Social
            {
                AccountKit = config.Social.AccountKit,
                Apple = config.Social.Apple,
                Facebook = config.Social.Facebook,
                Google = config.Social.Google,
            },
            FlashCard = new FlashCard
            {
                Text = config.FlashCard.Text,
                TextColor = config.FlashCard.TextColor,
                BackgroundColor = config.FlashCard.BackgroundColor,
            },
            Register = config.Register,
            ForgotPassword = config.ForgotPassword,
            Login = new Login { Password = config.Login.Password, Otp = config.Login.Otp },
            SkipCaptcha = config.SkipCaptcha,
            Display = config.Display,
            Subtext = config.Subtext,
            Name = config.Name,
            Meta = !saved ? new MetaSchema { FyndDefault = true }
                : config.Meta is { } meta ? JsonSerializer.Deserialize<MetaSchema>(meta, Common.JsonDefaults.Options) : new MetaSchema(),
            RequiredFields = new RequiredFields
            {
                Email = new PlatformEmail { IsRequired = config.RequiredFields.Email.IsRequired, Level = config.RequiredFields.Email.Level },
                Mobile = new PlatformMobile { IsRequired = config.RequiredFields.Mobile.IsRequired, Level = config.RequiredFields.Mobile.Level },
            },
            RegisterRequiredFields = new RegisterRequiredFields
            {
                Email = new RegisterRequiredFieldsEmail
                {
                    IsRequired = config.RegisterRequiredFields.Email.IsRequired,
                    Level = config.RegisterRequiredFields.Email.Level,
                },
                Mobile = new RegisterRequiredFieldsMobile
                {
                    IsRequired = config.RegisterRequiredFields.Mobile.IsRequired,
                    Level = config.RegisterRequiredFields.Mobile.Level,
                },
            },
            SkipLogin = config.SkipLogin,
            LookAndFeel = new LookAndFeel
            {
                CardPosition = config.LookAndFeel.CardPosition,
                BackgroundColor = config.LookAndFeel.BackgroundColor,
            },
            SocialTokens = new SocialTokens
            {
                Google = new Google { AppId = config.SocialTokens.Google.AppId, AppSecret = config.SocialTokens.Google.AppSecretMask },
                Facebook = new Facebook { AppId = config.SocialTokens.Facebook.AppId, AppSecret = config.SocialTokens.Facebook.AppSecretMask },
                AccountKit = new Accountkit
                {
                    AppId = config.SocialTokens.AccountKit.AppId,
                    AppSecret = config.SocialTokens.AccountKit.AppSecretMask,
                },
            },
            SessionConfig = new SessionExpiry
            {
                Duration = config.SessionConfig.Duration,
                Type = config.SessionConfig.Type,
                IsRolling = config.SessionConfig.IsRolling,
            },
            DeleteAccountReasons = config.DeleteAccountReasons
                .Select(r => new DeleteAccountReasons { ReasonId = r.ReasonId, ReasonText = r.ReasonText, ShowTextArea = r.ShowTextArea })
                .ToList(),
            DeleteAccountDay = config.DeleteAccountDay,
            DeleteAccountConsent = new DeleteAccountConsent { ConsentText = config.DeleteAccountConsent },
            CreatedAt = saved ? config.CreatedAt : null,
            UpdatedAt = saved ? config.UpdatedAt : null,
            Version = config.Version,
        };
    }

    /// <summary>The change a request <see cref="PlatformSchemaValidator"/> passed asks for (read-only fields ignored).</summary>
    public PlatformConfigChange ToChange() => new()
    {
        Active = Active,
        MobileImage = MobileImage,
        DesktopImage = DesktopImage,
        Register = Register,
        ForgotPassword = ForgotPassword,
        SkipCaptcha = SkipCaptcha,
        SkipLogin = SkipLogin,
        Display = Display,
        Subtext = Subtext,
        Name = Name,
        Meta = Meta is { } meta ? JsonSerializer.Serialize(meta, Common.JsonDefaults.Options) : null,
        Social = Social is { } social ? new SocialChange(social.AccountKit, social.Apple, social.Facebook, social.Google) : null,
        FlashCard = FlashCard is { } card ? new FlashCardChange(card.Text, card.TextColor, card.BackgroundColor) : null,
        Login = Login is { } login ? new LoginChange(login.Password, login.Otp) : null,
        RequiredEmail = FieldRequirement.ToChange(RequiredFields?.Email),
        RequiredMobile = FieldRequirement.ToChange(RequiredFields?.Mobile),
        RegisterRequiredEmail = FieldRequirement.ToChange(RegisterRequiredFields?.Email),
        RegisterRequiredMobile = FieldRequirement.ToChange(RegisterRequiredFields?.Mobile),
        LookAndFeel = LookAndFeel is { } look ? new LookAndFeelChange(look.CardPosition, look.BackgroundColor) : null,
        Google = SocialApp.ToChange(SocialTokens?.Google),
        Facebook = SocialApp.ToChange(SocialTokens?.Facebook),
        AccountKit = SocialApp.ToChange(SocialTokens?.AccountKit),
        Session = SessionConfig is { } session ? new SessionChange(session.Duration, session.Type, session.IsRolling) : null,
        DeleteAccountReasons = DeleteAccountReasons?
            .Select(r => new DeleteAccountReason { ReasonId = r.ReasonId!, ReasonText = r.ReasonText!, ShowTextArea = r.ShowTextArea })
            .ToList(),
        DeleteAccountDay = DeleteAccountDay,
        DeleteAccountConsent = DeleteAccountConsent?.ConsentText,
    };
}

/// <summary>Social: which social logins are offered.</summary>
internal sealed record Social
{
    public bool? AccountKit { get; init; }

    public bool? Apple { get; init; }

    public bool? Facebook { get; init; }

    public bool? Google { get; init; }
}

/// <summary>FlashCard: the banner on the login page. Colours are <c>#RGB</c> or <c>#RRGGBB</c>.</summary>
internal sealed record FlashCard
{
    public string? Text { get; init; }

    public string? TextColor { get; init; }

    public string? BackgroundColor { get; init; }
}

/// <summary>Login: the login methods offered.</summary>
internal sealed record Login
{
    public bool? Password { get; init; }

    public bool? Otp { get; init; }
}

/// <summary>MetaSchema.</summary>
internal sealed record MetaSchema
{
    public bool? FyndDefault { get; init; }

    /// <summary>The application's own keys, kept as sent.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

/// <summary>A required field's rule: <c>level</c> is <c>hard</c> or <c>soft</c>.</summary>
internal abstract record FieldRequirement
{
    public bool? IsRequired { get; init; }

    public string? Level { get; init; }

    public static FieldRuleChange? ToChange(FieldRequirement? sent) => sent is null ? null : new(sent.IsRequired, sent.Level);
}

/// <summary>PlatformEmail.</summary>
internal sealed record PlatformEmail : FieldRequirement;

/// <summary>PlatformMobile.</summary>
internal sealed record PlatformMobile : FieldRequirement;

/// <summary>RegisterRequiredFieldsEmail.</summary>
internal sealed record RegisterRequiredFieldsEmail : FieldRequirement;

/// <summary>RegisterRequiredFieldsMobile.</summary>
internal sealed record RegisterRequiredFieldsMobile : FieldRequirement;

/// <summary>RequiredFields: what a login asks for.</summary>
internal sealed record RequiredFields
{
    public PlatformEmail? Email { get; init; }

    public PlatformMobile? Mobile { get; init; }
}

/// <summary>RegisterRequiredFields: what a registration asks for.</summary>
internal sealed record RegisterRequiredFields
{
    public RegisterRequiredFieldsEmail? Email { get; init; }

    public RegisterRequiredFieldsMobile? Mobile { get; init; }
}

/// <summary>LookAndFeel: <c>card_position</c> is <c>center</c>, <c>left</c> or <c>right</c>.</summary>
internal sealed record LookAndFeel
{
    public string? CardPosition { get; init; }

    public string? BackgroundColor { get; init; }
}

/// <summary>
/// A social login app. <c>app_secret</c> is answered masked (<c>****</c> + its last 4 characters when it is long
/// enough); in a request, omit it or send the masked value to keep it, send <c>""</c> to remove it.
/// </summary>
internal abstract record SocialApp
{
    public string? AppId { get; init; }

    /// <summary>
    /// <c>appId</c>, the spelling of the reference's own example: accepted in requests as <c>app_id</c> (both together
    /// must agree) and always answered as <c>app_id</c>.
    /// </summary>
    [JsonPropertyName("appId")]
    public string? AppIdSpelledAsInExample { get; init; }

    public string? AppSecret { get; init; }

    /// <summary>The sent app's settings: <c>app_id</c>, or <c>appId</c> as the reference's example spells it.</summary>
    public static SocialAppChange? ToChange(SocialApp? sent) => sent is null ? null : new(sent.AppId ?? sent.AppIdSpelledAsInExample, sent.AppSecret);
}

/// <summary>Google.</summary>
internal sealed record Google : SocialApp;

/// <summary>Facebook.</summary>
internal sealed record Facebook : SocialApp;

/// <summary>Accountkit.</summary>
internal sealed record Accountkit : SocialApp;

/// <summary>SocialTokens.</summary>
internal sealed record SocialTokens
{
    public Facebook? Facebook { get; init; }

    public Accountkit? AccountKit { get; init; }

    public Google? Google { get; init; }
}

/// <summary>SessionExpiry: a session lasts <c>duration</c> <c>type</c> (Days, Hours or Minutes), at most 365 days.</summary>
internal sealed record SessionExpiry
{
    public int? Duration { get; init; }

    public string? Type { get; init; }

    /// <summary>True: each use of a session extends it by the duration.</summary>
    public bool? IsRolling { get; init; }
}

/// <summary>DeleteAccountReasons: one reason offered when a customer deletes their account.</summary>
internal sealed record DeleteAccountReasons
{
    public string? ReasonId { get; init; }

    public string? ReasonText { get; init; }

    public bool? ShowTextArea { get; init; }
}

/// <summary>DeleteAccountConsent.</summary>
internal sealed record DeleteAccountConsent
{
    public string? ConsentText { get; init; }
}
