using System.Reflection;
using System.Text.Json.Serialization;
using FluentValidation;
using FluentValidation.Validators;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.OpenApi.Any;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;
using UserAuth.Api.Common;

namespace UserAuth.Api.Hosting;

/// <summary>
/// The methods of the official client (<c>@gofynd/fdk-client-javascript</c> 1.4.13 and 3.4.2): verb, path under
/// <see cref="Routes.Application"/>, and method name. The OpenAPI document uses the method name as the operationId of
/// the route with that verb and path, so a new endpoint on a client route gets its id without any code here.
/// An endpoint outside the client names itself with <c>[EndpointName("camelCaseName")]</c> on its action.
/// </summary>
internal static class ClientOperations
{
    public static readonly IReadOnlyList<(string Verb, string Path, string Name)> All =
    [
        ("PUT", "/customers/archive", "archiveUser"),
        ("PUT", "/customers/activation", "blockOrUnblockUsers"),
        ("POST", "/customers", "createUser"),
        ("POST", "/user_attribute/definition", "createUserAttributeDefinition"),
        ("POST", "/user_group", "createUserGroup"),
        ("POST", "/customers/session", "createUserSession"),
        ("DELETE", "/customers/sessions", "deleteActiveSessions"),
        ("DELETE", "/customers/session", "deleteSession"),
        ("DELETE", "/user_attribute/definition/{attribute_def_id}/user/{user_id}", "deleteUserAttribute"),
        ("DELETE", "/user_attribute/definition/{attribute_def_id}", "deleteUserAttributeDefinitionById"),
        ("GET", "/customers/sessions", "getActiveSessions"),
        ("GET", "/customers/list", "getCustomers"),
        ("GET", "/platform/config", "getPlatformConfig"),
        ("GET", "/user_attribute/definition/{attribute_def_id}/user/{user_id}", "getUserAttribute"),
        ("GET", "/user_attribute/attribute/{attribute_id}", "getUserAttributeById"),
        ("GET", "/user_attribute/definition/{attribute_def_id}", "getUserAttributeDefinitionById"),
        ("GET", "/user_attribute/definition", "getUserAttributeDefinitions"),
        ("GET", "/user_attribute/user/{user_id}", "getUserAttributesForUser"),
        ("GET", "/user_group/{group_id}", "getUserGroupById"),
        ("GET", "/user_group", "getUserGroups"),
        ("GET", "/customers/search", "searchUsers"),
        ("PUT", "/customers/undelete", "unDeleteUser"),
        ("POST", "/platform/config", "updatePlatformConfig"),
        ("PUT", "/customers/{user_id}", "updateUser"),
        ("PUT", "/user_attribute/definition/{attribute_def_id}/user/{user_id}", "updateUserAttribute"),
        ("PUT", "/user_attribute/definition/{attribute_def_id}", "updateUserAttributeDefinition"),
        ("PUT", "/user_group/{group_id}", "updateUserGroup"),
        ("PATCH", "/user_group/{group_id}", "updateUserGroupPartially"),
        // The later client (3.4.2).
        ("POST", "/users/jobs/import", "bulkImportStoreFrontUsers"),
        ("POST", "/users/jobs/export", "createBulkExportUsers"),
        ("GET", "/users/jobs/import", "getBulkImportUsersList"),
        ("GET", "/users/jobs/export", "getBulkExportUsersList"),
        ("GET", "/users/jobs/{job_id}", "getUsersJobByJobId"),
        ("GET", "/customers/{user_id}/timeline", "getUserTimeline"),
        ("POST", "/user_attribute/users", "filterUsersByAttributes"),
        ("POST", "/user_attribute/user/{user_id}", "updateUserAttributes"),
        ("DELETE", "/user_attribute/user/{user_id}", "deleteUserAttributesInBulk"),
    ];

    private static readonly Dictionary<string, string> ByRoute =
        All.ToDictionary(o => Key(o.Verb, o.Path), o => o.Name, StringComparer.OrdinalIgnoreCase);

    private static readonly string Prefix = "/" + Routes.Application;

    /// <summary>The client's method name for this route, else the action's own endpoint name, else null.</summary>
    public static string? OperationId(ApiDescription api)
    {
        var path = "/" + (api.RelativePath ?? "").Split('?')[0].TrimEnd('/');
        if (path.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) &&
            ByRoute.TryGetValue(Key(api.HttpMethod ?? "", path[Prefix.Length..]), out var name))
        {
            return name;
        }

        return api.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().LastOrDefault()?.EndpointName
               ?? api.ActionDescriptor.AttributeRouteInfo?.Name;
    }

    private static string Key(string verb, string path) => verb.ToUpperInvariant() + " " + path;
}

/// <summary>
/// Describes the tenant path parameters (with examples that work against a Development instance) and lists path
/// parameters before query parameters.
/// </summary>
internal sealed class TenantParametersOperationFilter : IOperationFilter
{
    public const string ExampleCompanyId = SwaggerExtensions.DevTokenCompany;
    public const string ExampleApplicationId = "000000000000000000000004";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var parameter in operation.Parameters)
        {
            switch (parameter.Name)
            {
                case "company_id" when parameter.In == ParameterLocation.Path:
                    parameter.Description = "The company's id (1 to 32 letters or digits). A token is valid for its own company only.";
                    parameter.Schema = new OpenApiSchema { Type = "string", Pattern = "^[A-Za-z0-9]{1,32}$" };
                    parameter.Example = new OpenApiString(ExampleCompanyId);
                    break;
                case "application_id" when parameter.In == ParameterLocation.Path:
                    parameter.Description = "The sales channel's (application's) id: 24 hexadecimal digits, like a MongoDB ObjectId. " +
                                            "Any such id works: an application's data exists once something is written to it.";
                    parameter.Schema = new OpenApiSchema { Type = "string", Pattern = "^[0-9a-fA-F]{24}$" };
                    parameter.Example = new OpenApiString(ExampleApplicationId);
                    break;
            }
        }

        var path = "/" + (context.ApiDescription.RelativePath ?? "");
        operation.Parameters = operation.Parameters
            .Select((p, index) => (p, index))
            .OrderBy(x => x.p.In == ParameterLocation.Path ? 0 : x.p.In == ParameterLocation.Query ? 1 : 2)
            .ThenBy(x => x.p.In == ParameterLocation.Path ? path.IndexOf("{" + x.p.Name + "}", StringComparison.Ordinal) : x.index)
            .Select(x => x.p)
            .ToList();
    }
}

/// <summary>
/// Request schemas say what validation enforces: a property with an unconditional NotNull/NotEmpty rule in the type's
/// registered validator is required and not nullable. Unknown properties are accepted (ignored), so schemas do not
/// claim <c>additionalProperties: false</c>.
/// </summary>
internal sealed class ValidationSchemaFilter(IServiceProvider services) : ISchemaFilter
{
    public void Apply(OpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema.Type == "object" && schema.AdditionalProperties is null)
        {
            schema.AdditionalPropertiesAllowed = true;
        }

        if (schema.Properties is not { Count: > 0 } ||
            services.GetService(typeof(IValidator<>).MakeGenericType(context.Type)) is not IValidator validator)
        {
            return;
        }

        // Required = the validator refuses the property when it is absent: an unconditional NotNull/NotEmpty rule, and
        // an instance with every property absent fails on it (this leaves out rules inside a When(...) block).
        var failing = FailingWhenAbsent(validator, context.Type);
        var descriptor = validator.CreateDescriptor();
        foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var wireName = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
                           ?? System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
            if (!schema.Properties.TryGetValue(wireName, out var propertySchema) || !failing.Contains(wireName))
            {
                continue;
            }

            // Rules are keyed by the resolved property name: the wire name here (see ApiExtensions), else the member's.
            var required = descriptor.GetRulesForMember(wireName).Concat(descriptor.GetRulesForMember(property.Name))
                .Any(rule => rule.Components.Any(c => !c.HasCondition && !c.HasAsyncCondition &&
                                                      c.Validator is INotNullValidator or INotEmptyValidator));
            if (required)
            {
                schema.Required.Add(wireName);
                propertySchema.Nullable = false;
            }
        }
    }

    private static HashSet<string> FailingWhenAbsent(IValidator validator, Type type)
    {
        try
        {
            var empty = System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type);
            var context = (IValidationContext)Activator.CreateInstance(typeof(ValidationContext<>).MakeGenericType(type), empty)!;
            return validator.Validate(context).Errors.Select(e => e.PropertyName).ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A validator that cannot look at an empty instance: claim nothing.
            return [];
        }
    }
}
