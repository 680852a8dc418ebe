using Microsoft.AspNetCore.Mvc.Filters;
using UserAuth.Api.Common;

namespace UserAuth.Api.Hosting;

/// <summary>Rejects a malformed id in the path (company, application, user, job, report) with a 400 before the action runs.</summary>
internal sealed class RouteIdsFilter : IActionFilter
{
    private static readonly string[] ObjectIdParameters = ["user_id", "job_id", "report_id"];

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

        foreach (var name in ObjectIdParameters)
        {
            if (context.RouteData.Values.TryGetValue(name, out var id) && !Ids.IsValid(id as string))
            {
                errors.Add(new FieldError(name, "must be a 24-hex-digit id"));
            }
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
