using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

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
}

/// <summary>Rejects a malformed company or application id in the path with a 400 before the action runs.</summary>
internal sealed class TenantRouteFilter : IActionFilter
{
    public void OnActionExecuting(ActionExecutingContext context)
    {
        var errors = new List<FieldError>();
        if (context.RouteData.Values.TryGetValue("company_id", out var company) &&
            company is string c && (c.Length is 0 or > 32 || !c.All(char.IsAsciiLetterOrDigit)))
        {
            errors.Add(new FieldError("company_id", "must be 1 to 32 letters or digits"));
        }

        if (context.RouteData.Values.TryGetValue("application_id", out var application) &&
            !Ids.IsValid(application as string))
        {
            errors.Add(new FieldError("application_id", "must be a 24-hex-digit id"));
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
    }

    public void OnActionExecuted(ActionExecutedContext context)
    {
    }
}
