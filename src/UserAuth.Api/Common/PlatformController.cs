using Microsoft.AspNetCore.Mvc;

namespace UserAuth.Api.Common;

/// <summary>Base of every platform controller: the route prefix, JSON in and out, and the tenant from the path.</summary>
[ApiController]
[Route(Routes.Application)]
[Produces("application/json")]
[ProducesResponseType(typeof(ErrorBody), StatusCodes.Status400BadRequest)]
[ProducesResponseType(typeof(ErrorBody), StatusCodes.Status401Unauthorized)]
[ProducesResponseType(typeof(ErrorBody), StatusCodes.Status403Forbidden)]
internal abstract class PlatformController : ControllerBase
{
    protected Tenant Tenant => new(
        (string)RouteData.Values["company_id"]!,
        ((string)RouteData.Values["application_id"]!).ToLowerInvariant());

    /// <summary>Who acts: the API client of the token, recorded with revocations and lifecycle events.</summary>
    protected string Actor => User.FindFirst(Features.Auth.TokenClaims.ClientId)?.Value ?? "unknown";
}
