using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace UserAuth.Api.Hosting;

internal static class SwaggerExtensions
{
    public const string DevTokenCompany = "1";

    public static WebApplicationBuilder AddUserAuthSwagger(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiDocsOptions>().BindConfiguration(ApiDocsOptions.Section)
            .PostConfigure<IHostEnvironment>((options, environment) =>
                options.Enabled ??= environment.IsDevelopment() || environment.IsEnvironment("Testing"))
            .ValidateOnStart();
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "UserAuth platform User API",
                Version = "v1",
                Description = "The admin (platform) User API of the Authentication Service. Get a token from " +
                              "POST /service/panel/authentication/v1.0/company/{company_id}/oauth/token (client credentials, HTTP Basic).",
            });
            // The reference's schema names: the contract types are named after them.
            options.CustomSchemaIds(type => type.Name);
            options.SupportNonNullableReferenceTypes();
            var xml = Path.Combine(AppContext.BaseDirectory, "UserAuth.Api.xml");
            if (File.Exists(xml))
            {
                options.IncludeXmlComments(xml);
            }

            options.AddSecurityDefinition("bearer", new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A token from the token endpoint.",
            });
            options.AddSecurityDefinition("client_credentials", new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OAuth2,
                Description = $"Client credentials of company {DevTokenCompany}'s client (in Development: dev-client / dev-secret).",
                Flows = new OpenApiOAuthFlows
                {
                    ClientCredentials = new OpenApiOAuthFlow
                    {
                        TokenUrl = new Uri($"/service/panel/authentication/v1.0/company/{DevTokenCompany}/oauth/token", UriKind.Relative),
                        Scopes = new Dictionary<string, string>
                        {
                            [Features.Auth.Scopes.Read] = "read customers and their data",
                            [Features.Auth.Scopes.Write] = "change customers and their data",
                            [Features.Auth.Scopes.DecryptAttributes] =
                                "bulk exports carry encrypted attribute values in clear (opt-in: only clients configured with it)",
                            [Features.Auth.Scopes.ClientAdmin] = "manage the company's API clients (never granted by default)",
                        },
                    },
                },
            });
            options.OperationFilter<AuthorizeOperationFilter>();
            options.SchemaFilter<ReferenceExamplesSchemaFilter>();
            // The contract for integrators (docs/openapi.json): see OpenApiContract.cs.
            options.CustomOperationIds(ClientOperations.OperationId);
            options.OperationFilter<TenantParametersOperationFilter>();
            options.SchemaFilter<ValidationSchemaFilter>();
        });
        return builder;
    }

    public static WebApplication UseUserAuthSwagger(this WebApplication app)
    {
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApiDocsOptions>>().Value.Enabled != true)
        {
            return app;
        }

        app.UseSwagger();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/swagger/v1/swagger.json", "UserAuth v1");
            options.DocumentTitle = "UserAuth API";
            options.EnablePersistAuthorization();
            if (app.Environment.IsDevelopment())
            {
                options.OAuthClientId("dev-client");
                options.OAuthClientSecret("dev-secret");
                options.OAuthScopes(Features.Auth.Scopes.Read, Features.Auth.Scopes.Write);
            }
        });
        return app;
    }

    /// <summary>Marks operations that need a token, so Swagger UI sends it.</summary>
    private sealed class AuthorizeOperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any())
            {
                return;
            }

            operation.Security =
            [
                new OpenApiSecurityRequirement
                {
                    [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = "bearer" } }] = [],
                },
                new OpenApiSecurityRequirement
                {
                    [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = "client_credentials" } }] = [],
                },
            ];
        }
    }
}
