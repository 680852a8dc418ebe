using FluentValidation;
using UserAuth.Api.Common;

namespace UserAuth.Api.Hosting;

internal static class ApiExtensions
{
    public static WebApplicationBuilder AddUserAuthApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services
            .AddControllers(options =>
            {
                options.Filters.Add<RouteIdsFilter>();
                options.Filters.Add<ValidationFilter>();
                options.SuppressImplicitRequiredAttributeForNonNullableReferenceTypes = true;
                options.ModelBinderProviders.Insert(0, new StrictIntegerBinderProvider());
                // jQuery-style keys (a[b][c]) are not part of this API; their value providers throw on a key with an
                // unbalanced bracket ("[" as a form key was a 500).
                foreach (var jquery in options.ValueProviderFactories.Where(f => f is Microsoft.AspNetCore.Mvc.ModelBinding.JQueryFormValueProviderFactory
                             or Microsoft.AspNetCore.Mvc.ModelBinding.JQueryQueryStringValueProviderFactory).ToList())
                {
                    options.ValueProviderFactories.Remove(jquery);
                }
            })
            .ConfigureApplicationPartManager(parts =>
                parts.FeatureProviders.Add(new InternalControllerFeatureProvider()))
            .AddJsonOptions(options => JsonDefaults.Apply(options.JsonSerializerOptions));
        builder.Services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton, includeInternalTypes: true);
        // Property names in validation messages are the wire (snake_case) names.
        ValidatorOptions.Global.PropertyNameResolver = (_, member, expression) =>
            member is null ? null : System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(member.Name);
        ValidatorOptions.Global.DisplayNameResolver = (_, member, _) =>
            member is null ? null : System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(member.Name);
        return builder;
    }
}
