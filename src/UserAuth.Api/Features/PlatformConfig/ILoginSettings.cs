using UserAuth.Api.Common;

namespace UserAuth.Api.Features.PlatformConfig;

/// <summary>The parts of an application's platform configuration other features act on.</summary>
internal sealed record LoginSettings(TimeSpan SessionDuration, bool SessionIsRolling, int DeleteAccountDays);

/// <summary>Reads the effective login settings of an application (stored, or the documented defaults).</summary>
internal interface ILoginSettings
{
    Task<LoginSettings> GetAsync(Tenant tenant, CancellationToken cancellationToken);
}
