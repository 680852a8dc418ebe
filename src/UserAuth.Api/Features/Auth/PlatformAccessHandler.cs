using Microsoft.AspNetCore.Authorization;

namespace UserAuth.Api.Features.Auth;

/// <summary>A platform route needs a token of the path's company, for the path's application, with the scope.</summary>
internal sealed class PlatformAccessRequirement(string scope) : IAuthorizationRequirement
{
    public string Scope { get; } = scope;
}

internal sealed class PlatformAccessHandler(IHttpContextAccessor accessor) : AuthorizationHandler<PlatformAccessRequirement>
{
    public const string DenialReason = "userauth.denial";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PlatformAccessRequirement requirement)
    {
        var http = accessor.HttpContext;
        if (http is null || context.User.Identity?.IsAuthenticated != true)
        {
            return Task.CompletedTask;
        }

        var routeCompany = http.GetRouteValue("company_id")?.ToString();
        var routeApplication = http.GetRouteValue("application_id")?.ToString();
        var company = context.User.FindFirst(TokenClaims.CompanyId)?.Value;
        var applications = context.User.FindAll(TokenClaims.ApplicationId).Select(c => c.Value).ToList();
        var scopes = (context.User.FindFirst(TokenClaims.Scope)?.Value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

        string? reason = null;
        if (routeCompany is null || company != routeCompany)
        {
            reason = "This token is not for this company.";
        }
        else if (routeApplication is not null && applications.Count > 0 &&
                 !applications.Contains(routeApplication, StringComparer.OrdinalIgnoreCase))
        {
            reason = "This token is not for this application.";
        }
        else if (!scopes.Contains(requirement.Scope))
        {
            reason = $"This token lacks the scope '{requirement.Scope}'.";
        }

        if (reason is null)
        {
            context.Succeed(requirement);
        }
        else
        {
            http.Items[DenialReason] = reason;
            context.Fail(new AuthorizationFailureReason(this, reason));
        }

        return Task.CompletedTask;
    }
}
