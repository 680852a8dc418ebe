using UserAuth.Api.Common;

namespace UserAuth.Api.Features.PlatformConfig;

/// <summary>Platform configuration rules: defaults, field-by-field updates, versioned writes, secrets kept encrypted.</summary>
internal sealed class PlatformConfigService(
    IPlatformConfigStore store,
    SecretProtector secrets,
    TimeProvider clock,
    ILogger<PlatformConfigService> logger)
{
    private const int MaxWriteAttempts = 16;

    /// <summary>The stored configuration, or the defaults (version 0) when the application never saved one.</summary>
    public async Task<PlatformConfigDocument> GetAsync(Tenant tenant, CancellationToken cancellationToken) =>
        await store.FindAsync(tenant, cancellationToken) ?? PlatformConfigDocument.DefaultsFor(tenant);

    /// <summary>
    /// Applies the sent fields over the stored configuration (or the defaults) and writes it conditionally on its
    /// version, retrying when a concurrent write won, so no update is lost.
    /// </summary>
    public Task<PlatformConfigDocument> UpdateAsync(Tenant tenant, PlatformConfigChange change, CancellationToken cancellationToken) =>
        UpdateAsync(tenant, change, null, cancellationToken);

    /// <summary>As above; with <paramref name="ifMatch"/>, only while the version is one the caller read (else 412).</summary>
    public async Task<PlatformConfigDocument> UpdateAsync(Tenant tenant, PlatformConfigChange change, IfMatch? ifMatch,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var stored = await store.FindAsync(tenant, cancellationToken);
            var config = stored ?? PlatformConfigDocument.DefaultsFor(tenant);
            var expected = config.Version;
            ifMatch?.Check(expected, "platform configuration");
            using var changes = ChangedFields.Track(config);
            Apply(config, change);

            var now = clock.UtcNowMs();
            config.Version = expected + 1;
            config.UpdatedAt = now;
            if (stored is null)
            {
                config.CreatedAt = now;
            }

            var written = stored is null
                ? await store.InsertAsync(config, cancellationToken)
                : await store.ReplaceAsync(config, expected, cancellationToken);
            if (written)
            {
                logger.LogInformation("Updated the platform config of application {ApplicationId} to version {Version}",
                    tenant.ApplicationId, config.Version);
                return config;
            }

            await Task.Delay(Random.Shared.Next(1, 4 << Math.Min(attempt, 5)), cancellationToken);
        }

        throw new ConflictException("The platform configuration is being changed by other requests; try again.", "concurrent_update");
    }

    private void Apply(PlatformConfigDocument config, PlatformConfigChange change)
    {
        config.Active = change.Active ?? config.Active;
        config.MobileImage = change.MobileImage ?? config.MobileImage;
        config.DesktopImage = change.DesktopImage ?? config.DesktopImage;
        config.Register = change.Register ?? config.Register;
        config.ForgotPassword = change.ForgotPassword ?? config.ForgotPassword;
        config.SkipCaptcha = change.SkipCaptcha ?? config.SkipCaptcha;
        config.SkipLogin = change.SkipLogin ?? config.SkipLogin;
        config.Display = change.Display ?? config.Display;
        config.Subtext = change.Subtext ?? config.Subtext;
        config.Name = change.Name ?? config.Name;
        config.DeleteAccountDay = change.DeleteAccountDay ?? config.DeleteAccountDay;
        config.DeleteAccountConsent = change.DeleteAccountConsent ?? config.DeleteAccountConsent;
        config.Meta = change.Meta ?? config.Meta;

        if (change.Social is { } social)
        {
            config.Social.AccountKit = social.AccountKit ?? config.Social.AccountKit;
            config.Social.Apple = social.Apple ?? config.Social.Apple;
            config.Social.Facebook = social.Facebook ?? config.Social.Facebook;
            config.Social.Google = social.Google ?? config.Social.Google;
        }

        if (change.FlashCard is { } card)
        {
            config.FlashCard.Text = card.Text ?? config.FlashCard.Text;
            config.FlashCard.TextColor = card.TextColor ?? config.FlashCard.TextColor;
            config.FlashCard.BackgroundColor = card.BackgroundColor ?? config.FlashCard.BackgroundColor;
        }

        if (change.Login is { } login)
        {
            config.Login.Password = login.Password ?? config.Login.Password;
            config.Login.Otp = login.Otp ?? config.Login.Otp;
        }

        Merge(config.RequiredFields.Email, change.RequiredEmail);
        Merge(config.RequiredFields.Mobile, change.RequiredMobile);
        Merge(config.RegisterRequiredFields.Email, change.RegisterRequiredEmail);
        Merge(config.RegisterRequiredFields.Mobile, change.RegisterRequiredMobile);

        if (change.LookAndFeel is { } look)
        {
            config.LookAndFeel.CardPosition = look.CardPosition ?? config.LookAndFeel.CardPosition;
            config.LookAndFeel.BackgroundColor = look.BackgroundColor ?? config.LookAndFeel.BackgroundColor;
        }

        Merge(config.SocialTokens.Google, change.Google, "social_tokens.google");
        Merge(config.SocialTokens.Facebook, change.Facebook, "social_tokens.facebook");
        Merge(config.SocialTokens.AccountKit, change.AccountKit, "social_tokens.account_kit");

        if (change.Session is { } session)
        {
            config.SessionConfig.Duration = session.Duration ?? config.SessionConfig.Duration;
            config.SessionConfig.Type = session.Type ?? config.SessionConfig.Type;
            config.SessionConfig.IsRolling = session.IsRolling ?? config.SessionConfig.IsRolling;
            // The validator checked the sent fields; a duration sent alone is checked here against the stored unit.
            var max = SessionUnits.MaxDuration(config.SessionConfig.Type);
            if (config.SessionConfig.Duration > max)
            {
                throw new ValidationFailedException("session_config.duration",
                    $"must be at most {max} when type is {config.SessionConfig.Type} (365 days)");
            }
        }

        if (change.DeleteAccountReasons is { } reasons)
        {
            config.DeleteAccountReasons = [.. reasons];
        }
    }

    private static void Merge(FieldRule rule, FieldRuleChange? sent)
    {
        if (sent is null)
        {
            return;
        }

        rule.IsRequired = sent.IsRequired ?? rule.IsRequired;
        rule.Level = sent.Level ?? rule.Level;
    }

    /// <summary>
    /// <c>app_secret</c>: absent keeps the stored secret, the masked value shown keeps it too, <c>""</c> removes it,
    /// anything else replaces it (encrypted). A different masked-looking value is refused rather than stored as a secret.
    /// </summary>
    private void Merge(SocialAppSettings app, SocialAppChange? sent, string field)
    {
        if (sent is null)
        {
            return;
        }

        app.AppId = sent.AppId ?? app.AppId;
        switch (sent.AppSecret)
        {
            case null:
                break;
            case "":
                app.AppSecretCipher = null;
                app.AppSecretMask = null;
                break;
            case var secret when SecretMask.LooksMasked(secret):
                if (secret != app.AppSecretMask)
                {
                    throw new ValidationFailedException($"{field}.app_secret",
                        "is a masked value that does not match the stored secret; send the secret itself, or leave " +
                        "app_secret out to keep the stored one");
                }

                break;
            case var secret:
                app.AppSecretCipher = secrets.Protect(secret);
                app.AppSecretMask = SecretMask.Of(secret);
                break;
        }
    }
}
