using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Features.PlatformConfig;

[Tags("Platform config")]
internal sealed class PlatformConfigController(PlatformConfigService configs) : PlatformController
{
    /// <summary>
    /// getPlatformConfig: the application's login configuration, or the defaults (meta.fynd_default true, __v 0) when it
    /// never saved one. App secrets are shown masked.
    /// </summary>
    [HttpGet("platform/config")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(PlatformSchema), StatusCodes.Status200OK)]
    public async Task<PlatformSchema> GetPlatformConfig(CancellationToken cancellationToken) =>
        PlatformSchema.From(await configs.GetAsync(Tenant, cancellationToken));

    /// <summary>
    /// updatePlatformConfig: change the sent fields (fields inside a sent object one by one; a sent
    /// delete_account_reasons replaces the list); absent fields keep their values. Answers the whole configuration.
    /// </summary>
    [HttpPost("platform/config")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(PlatformSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<PlatformSchema> UpdatePlatformConfig([FromBody] PlatformSchema body, CancellationToken cancellationToken) =>
        PlatformSchema.From(await configs.UpdateAsync(Tenant, body, cancellationToken));
}
