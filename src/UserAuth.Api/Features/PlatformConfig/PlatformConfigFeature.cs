using Microsoft.Extensions.DependencyInjection.Extensions;
using UserAuth.Api.Common;
using UserAuth.Api.Hosting;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Api.Features.PlatformConfig;

internal static class PlatformConfigFeature
{
    private static int exampleRegistered;

    public static WebApplicationBuilder AddUserAuthPlatformConfig(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SecretsOptions>()
            .BindConfiguration(SecretsOptions.Section)
            .Validate<IHostEnvironment>((o, environment) =>
                    !string.IsNullOrWhiteSpace(o.EncryptionKey) || SecretsOptions.AllowsDevelopmentKey(environment),
                SecretsOptions.MissingKeyMessage)
            .Validate(o => string.IsNullOrWhiteSpace(o.EncryptionKey) || SecretsOptions.Decode(o.EncryptionKey) is not null,
                SecretsOptions.InvalidKeyMessage)
            .Validate(o => o.PreviousEncryptionKeys.All(k => SecretsOptions.Decode(k) is not null), SecretsOptions.InvalidPreviousKeyMessage)
            .ValidateOnStart();
        builder.Services.TryAddSingleton<SecretProtector>();

        builder.Services.AddSingleton<PlatformConfigService>();
        builder.Services.AddSingleton<ILoginSettings, PlatformLoginSettings>();
        builder.AddStore<IPlatformConfigStore, SqlitePlatformConfigStore, MongoPlatformConfigStore>();

        if (Interlocked.Exchange(ref exampleRegistered, 1) == 0)
        {
            ReferenceExamplesSchemaFilter.Add(nameof(PlatformSchema), ReferenceExample);
        }

        return builder;
    }

    /// <summary>The reference's example (USER.md), with <c>social_tokens</c> as the client's models have them.</summary>
    private const string ReferenceExample = """
        {"active": true, "mobile_image": "", "desktop_image": "",
         "social": {"facebook": true, "google": true, "account_kit": true},
         "flash_card": {"text": "", "text_color": "#FFFFFF", "background_color": "#EF5350"},
         "register": true, "forgot_password": true, "login": {"password": true, "otp": true}, "skip_captcha": false,
         "display": "Fynd", "subtext": "Login to Fynd", "name": "Fynd", "meta": {},
         "required_fields": {"email": {"is_required": false, "level": "hard"}, "mobile": {"is_required": true, "level": "hard"}},
         "register_required_fields": {"email": {"is_required": false, "level": "hard"}, "mobile": {"is_required": true, "level": "hard"}},
         "skip_login": false, "look_and_feel": {"background_color": "#F5F5F5", "card_position": "center"},
         "social_tokens": {"google": {"app_id": "token_123", "app_secret": "****4f2a"}, "facebook": {"app_id": "token_123"},
                           "account_kit": {"app_id": "token_123"}},
         "session_config": {"duration": 30, "type": "Days", "is_rolling": false},
         "delete_account_reasons": [{"reason_text": "test", "reason_id": "123", "show_text_area": true}],
         "delete_account_day": 7, "delete_account_consent": {"consent_text": ""},
         "_id": "5e04a5e5220bc15839ad9bc0", "created_at": "2019-12-26T12:21:57.878Z", "updated_at": "2020-08-13T14:31:09.878Z",
         "__v": 0}
        """;
}
