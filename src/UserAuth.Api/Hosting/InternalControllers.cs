using System.Reflection;
using Microsoft.AspNetCore.Mvc.Controllers;

namespace UserAuth.Api.Hosting;

/// <summary>Lets controllers be <c>internal sealed</c> like every other type of this assembly.</summary>
internal sealed class InternalControllerFeatureProvider : ControllerFeatureProvider
{
    protected override bool IsController(TypeInfo typeInfo) =>
        typeInfo.IsClass && !typeInfo.IsAbstract && !typeInfo.ContainsGenericParameters &&
        typeInfo.Assembly == typeof(InternalControllerFeatureProvider).Assembly &&
        typeInfo.Name.EndsWith("Controller", StringComparison.Ordinal) &&
        typeof(Microsoft.AspNetCore.Mvc.ControllerBase).IsAssignableFrom(typeInfo);
}
