using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.Controllers;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Common;

/// <summary>Which actions are writes of the platform API (the Idempotency-Key and the audit trail apply to them).</summary>
internal static class WriteActions
{
    /// <summary>
    /// POST, PUT, PATCH and DELETE actions of a <see cref="PlatformController"/> under the <c>user:write</c> scope. POSTs
    /// that change nothing (filterUsersByAttributes, verifyUserSession) need only <c>user:read</c> and are not writes.
    /// </summary>
    public static bool IsWrite(string? httpMethod, ControllerActionDescriptor? action) =>
        IsWriteMethod(httpMethod) &&
        action is not null &&
        action.ControllerTypeInfo.IsSubclassOf(typeof(PlatformController)) &&
        action.MethodInfo.GetCustomAttributes<AuthorizeAttribute>(inherit: true).Any(a => a.Policy == Scopes.Write);

    /// <summary>
    /// POST, PUT, PATCH and DELETE actions of a <see cref="PlatformController"/> under the <c>client:admin</c> scope
    /// (on the action or its controller): the company-wide writes (the company's API clients), outside any application.
    /// The audit trail records them; the Idempotency-Key does not apply to them.
    /// </summary>
    public static bool IsCompanyWrite(string? httpMethod, ControllerActionDescriptor? action) =>
        IsWriteMethod(httpMethod) &&
        action is not null &&
        action.ControllerTypeInfo.IsSubclassOf(typeof(PlatformController)) &&
        action.MethodInfo.GetCustomAttributes<AuthorizeAttribute>(inherit: true)
            .Concat(action.ControllerTypeInfo.GetCustomAttributes<AuthorizeAttribute>(inherit: true))
            .Any(a => a.Policy == Scopes.ClientAdmin);

    private static bool IsWriteMethod(string? httpMethod) =>
        httpMethod is not null &&
        (HttpMethods.IsPost(httpMethod) || HttpMethods.IsPut(httpMethod) || HttpMethods.IsPatch(httpMethod) ||
         HttpMethods.IsDelete(httpMethod));
}
