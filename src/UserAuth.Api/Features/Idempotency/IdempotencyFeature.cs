using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;
using UserAuth.Api.Common;
using UserAuth.Api.Hosting;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Api.Features.Idempotency;

internal static class IdempotencyFeature
{
    public static WebApplicationBuilder AddUserAuthIdempotency(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdempotencyOptions>()
            .BindConfiguration(IdempotencyOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.LeaseSeconds < o.RetentionSeconds,
                "Idempotency:LeaseSeconds must be shorter than Idempotency:RetentionSeconds.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton<SecretProtector>();
        builder.AddStore<IIdempotencyStore, SqliteIdempotencyStore, MongoIdempotencyStore>();
        builder.Services.AddSingleton<IdempotencyFilter>();
        builder.Services.Configure<MvcOptions>(options => options.Filters.AddService<IdempotencyFilter>());
        builder.Services.AddSingleton<IdempotencySweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IdempotencySweeper>());
        builder.Services.ConfigureSwaggerGen(options => options.OperationFilter<IdempotencyKeyOperationFilter>());
        return builder;
    }
}

/// <summary>Documents the Idempotency-Key header and its answers on every operation that takes it, and If-Match.</summary>
internal sealed class IdempotencyKeyOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var parameter in operation.Parameters?.Where(p => p.Name == IfMatch.HeaderName) ?? [])
        {
            parameter.Description = "Optional. The ETag answered for this resource (its `__v`, quoted: `\"3\"`), or a " +
                                    "comma-separated list of them. The update applies only while the resource still has " +
                                    "that version; otherwise 412 `precondition_failed` and nothing changes. `*` or no " +
                                    "header: no condition.";
        }

        if (!IdempotencyFilter.Applies(context.ApiDescription.HttpMethod,
                context.ApiDescription.ActionDescriptor as ControllerActionDescriptor))
        {
            return;
        }

        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = IdempotencyFilter.HeaderName,
            In = ParameterLocation.Header,
            Required = false,
            Description = "Optional. A key of 1 to 255 printable ASCII characters, new for each change the caller means " +
                          "to make. A retry with the same key and the same request (method, path, query, body) answers " +
                          "the first successful answer again (status, body, Location/ETag/Set-Cookie, plus " +
                          "`Idempotent-Replayed: true`) and changes nothing; the same key with another request is 422 " +
                          "`idempotency_key_reused`; while the first request still runs, a retry waits for its answer, " +
                          "then gets 409 `idempotency_key_in_progress` with Retry-After. Keys are scoped per API client " +
                          "and application and kept for `Idempotency:RetentionSeconds` (default 24 h). A request that " +
                          "fails gives its key up.",
            Schema = new OpenApiSchema { Type = "string", MinLength = 1, MaxLength = IdempotencyOptions.MaxKeyLength },
        });
        operation.Responses.TryAdd("422", new OpenApiResponse
        {
            Description = "The Idempotency-Key was already used with another request (`idempotency_key_reused`).",
            Content = ErrorContent(context),
        });
        operation.Responses.TryAdd("409", new OpenApiResponse
        {
            Description = "A request with this Idempotency-Key is still running (`idempotency_key_in_progress`).",
            Content = ErrorContent(context),
        });
    }

    private static Dictionary<string, OpenApiMediaType> ErrorContent(OperationFilterContext context) => new()
    {
        ["application/json"] = new OpenApiMediaType
        {
            Schema = context.SchemaGenerator.GenerateSchema(typeof(ErrorBody), context.SchemaRepository),
        },
    };
}
