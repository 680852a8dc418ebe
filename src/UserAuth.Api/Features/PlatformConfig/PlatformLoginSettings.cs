using UserAuth.Api.Common;

namespace UserAuth.Api.Features.PlatformConfig;

/// <summary>
/// <see cref="ILoginSettings"/> from the stored configuration (one lookup by the tenant's unique key, reading only the
/// session rules and the restore window), or from the documented defaults when the application never saved one.
/// </summary>
internal sealed class PlatformLoginSettings(IPlatformConfigStore store) : ILoginSettings
{
    private static readonly PlatformConfigDocument Defaults = new();

    public async Task<LoginSettings> GetAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var stored = await store.FindLoginSettingsAsync(tenant, cancellationToken);
        var session = stored?.SessionConfig ?? Defaults.SessionConfig;
        return new LoginSettings(SessionUnits.ToTimeSpan(session.Duration, session.Type), session.IsRolling, stored?.DeleteAccountDay ?? Defaults.DeleteAccountDay);
    }
}
