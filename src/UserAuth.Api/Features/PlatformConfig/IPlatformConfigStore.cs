using UserAuth.Api.Common;

namespace UserAuth.Api.Features.PlatformConfig;

/// <summary>What other features read of a configuration: the session rules and the restore window.</summary>
internal sealed record StoredLoginSettings(SessionSettings SessionConfig, int DeleteAccountDay);

/// <summary>Storage port of the platform configurations: at most one per tenant.</summary>
internal interface IPlatformConfigStore
{
    /// <summary>The tenant's stored configuration, or null when it never saved one.</summary>
    Task<PlatformConfigDocument?> FindAsync(Tenant tenant, CancellationToken cancellationToken);

    /// <summary>Only the fields <see cref="ILoginSettings"/> needs, or null when the tenant never saved a configuration.</summary>
    Task<StoredLoginSettings?> FindLoginSettingsAsync(Tenant tenant, CancellationToken cancellationToken);

    /// <summary>Stores the tenant's first configuration; false when the tenant already has one (a concurrent first save won).</summary>
    Task<bool> InsertAsync(PlatformConfigDocument config, CancellationToken cancellationToken);

    /// <summary>Replaces the configuration if its stored version is still <paramref name="expectedVersion"/>; false when another write won.</summary>
    Task<bool> ReplaceAsync(PlatformConfigDocument config, int expectedVersion, CancellationToken cancellationToken);
}
