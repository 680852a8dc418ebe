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
    /// never saved one. App secrets are shown masked. The <c>ETag</c> is its <c>__v</c>.
    /// </summary>
    [HttpGet("platform/config")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(PlatformSchema), StatusCodes.Status200OK)]
    public async Task<PlatformSchema> GetPlatformConfig(CancellationToken cancellationToken)
    {
        var config = await configs.GetAsync(Tenant, cancellationToken);
        ETags.Set(Response, config.Version);
        return PlatformSchema.From(config);
    }

    /// <summary>
    /// updatePlatformConfig: change the sent fields (fields inside a sent object one by one; a sent
    /// delete_account_reasons replaces the list); absent fields keep their values. Answers the whole configuration and
    /// its <c>ETag</c>; with <c>If-Match</c> the update applies only while the configuration still has that version
    /// (412 <c>precondition_failed</c> otherwise; a never saved configuration has version 0).
    /// </summary>
    [HttpPost("platform/config")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(PlatformSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status412PreconditionFailed)]
    public async Task<PlatformSchema> UpdatePlatformConfig([FromBody] PlatformSchema body,
        [FromHeader(Name = IfMatch.HeaderName)] string? ifMatch, CancellationToken cancellationToken)
    {
        var config = await configs.UpdateAsync(Tenant, body.ToChange(), IfMatch.Parse(ifMatch), cancellationToken);
        ETags.Set(Response, config.Version);
        return PlatformSchema.From(config);
    }
}
