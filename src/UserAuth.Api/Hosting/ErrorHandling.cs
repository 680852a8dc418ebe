using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Storage;

namespace UserAuth.Api.Hosting;

/// <summary>The one place where exceptions become error bodies.</summary>
internal sealed class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger, IOptions<StorageOptions> storage) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (StoreFaults.IsUnavailable(exception))
        {
            // Busy, full or unreachable: the service's condition, not the client's fault nor a bug. No exception text in
            // the answer (it may name hosts); the type in the log.
            logger.LogWarning("Store unavailable for {RequestId}: {Fault}", httpContext.TraceIdentifier, exception.GetType().Name);
            var retryAfter = storage.Value.RetryAfterSeconds;
            if (!httpContext.Response.HasStarted)
            {
                httpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await ErrorResponses.WriteAsync(httpContext, StatusCodes.Status503ServiceUnavailable, new ErrorBody(
                $"The store is busy or unavailable; retry after {retryAfter} seconds.", "store_unavailable",
                httpContext.TraceIdentifier), cancellationToken);
            return true;
        }

        var (status, body) = exception switch
        {
            ApiException api => (api.StatusCode, new ErrorBody(api.Message, api.Code, httpContext.TraceIdentifier,
                api.Errors.Count > 0 ? api.Errors : null)),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge,
                new ErrorBody("The request body is too large.", "payload_too_large", httpContext.TraceIdentifier)),
            BadHttpRequestException bad => (bad.StatusCode, new ErrorBody("The request could not be read.", "bad_request",
                httpContext.TraceIdentifier)),
            // Only while reading the request: a JSON failure while writing the answer is the service's fault (500).
            JsonException when !ResponseWriting.HasStarted(httpContext) => (StatusCodes.Status400BadRequest, new ErrorBody("The request body is not valid JSON.",
                "invalid_json", httpContext.TraceIdentifier)),
            // A body whose bytes are not text in the charset its Content-Type names (e.g. charset=utf-16 with an odd
            // number of bytes): MVC's JSON reader lets the decoder's exception through.
            System.Text.DecoderFallbackException when !ResponseWriting.HasStarted(httpContext) => (StatusCodes.Status400BadRequest,
                new ErrorBody("The request body is not valid text in the charset its Content-Type names.", "invalid_json",
                    httpContext.TraceIdentifier)),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested =>
                (499, new ErrorBody("The client closed the request.", "client_closed", httpContext.TraceIdentifier)),
            _ => (StatusCodes.Status500InternalServerError, new ErrorBody(
                "An unexpected error occurred. Quote the request id when reporting it.", "internal_error",
                httpContext.TraceIdentifier)),
        };

        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled exception for {RequestId}", httpContext.TraceIdentifier);
        }

        await ErrorResponses.WriteAsync(httpContext, status, body, cancellationToken);
        return true;
    }
}

/// <summary>Marks the request once MVC starts writing the action's result, so a failure from then on is a 500.</summary>
internal sealed class ResponseWriting : IAsyncAlwaysRunResultFilter
{
    private static readonly object Key = new();

    public static bool HasStarted(HttpContext context) => context.Items.ContainsKey(Key);

    public Task OnResultExecutionAsync(ResultExecutingContext context, ResultExecutionDelegate next)
    {
        context.HttpContext.Items[Key] = true;
        return next();
    }
}

internal static class ErrorResponses
{
    public static async Task WriteAsync(HttpContext context, int status, ErrorBody body, CancellationToken cancellationToken = default)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, body, JsonDefaults.Options, cancellationToken);
    }

    public static Task WriteAsync(HttpContext context, int status, string code, string message) =>
        WriteAsync(context, status, new ErrorBody(message, code, context.TraceIdentifier));
}

internal static class ErrorHandlingExtensions
{
    public static WebApplicationBuilder AddUserAuthErrorHandling(this WebApplicationBuilder builder)
    {
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.AddProblemDetails();
        builder.Services.Configure<MvcOptions>(options => options.Filters.Add<ResponseWriting>());
        // Bodies are small JSON documents; anything larger is refused before it is read (413).
        builder.Services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Kestrel's own rejections (before any middleware) get the error body too.
        builder.AddUserAuthKestrelRejections();
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<LimitsOptions>>((kestrel, limits) =>
                kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes);
        builder.Services.PostConfigure<ApiBehaviorOptions>(options =>
        {
            // 404/405/415 from MVC carry no ProblemDetails body: the status code pages write the common error body.
            options.SuppressMapClientErrors = true;
            // Model binding failures (malformed JSON, wrong types, bad query values) use the same body as everything else.
            options.InvalidModelStateResponseFactory = context =>
            {
                // A form MVC could not read because it is over a size limit (the body limit, or the form's value
                // length/count limits) is the documented 413, not a validation failure of its fields.
                if (context.ModelState.Values.SelectMany(v => v.Errors).Any(e => IsTooLarge(e.Exception) || IsTooLarge(e.ErrorMessage)))
                {
                    return new ObjectResult(new ErrorBody("The request body is too large.", "payload_too_large",
                        context.HttpContext.TraceIdentifier)) { StatusCode = StatusCodes.Status413PayloadTooLarge };
                }

                var errors = context.ModelState
                    .Where(entry => entry.Value is { Errors.Count: > 0 })
                    .SelectMany(entry => entry.Value!.Errors.Select(error => new FieldError(
                        ToWireField(entry.Key),
                        Describe(error))))
                    .ToList();
                var exception = new ValidationFailedException(errors);
                var body = new ErrorBody(exception.Message, exception.Code, context.HttpContext.TraceIdentifier, errors);
                return new BadRequestObjectResult(body);
            };
        });
        return builder;
    }

    public static WebApplication UseUserAuthErrorHandling(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Expected failures (4xx) are answers, not errors: no error log, no diagnostics event.
            SuppressDiagnosticsCallback = context => context.Exception is ApiException or BadHttpRequestException
                                                     || StoreFaults.IsUnavailable(context.Exception)
                                                     || (context.Exception is System.Text.DecoderFallbackException
                                                         && !ResponseWriting.HasStarted(context.HttpContext)),
        });
        // Unknown routes and wrong verbs answer with the same body shape.
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var (code, message) = http.Response.StatusCode switch
            {
                404 => ("route_not_found", "No route matches this path."),
                405 => ("method_not_allowed", "This path does not accept this method."),
                413 => ("payload_too_large", "The request body is too large."),
                415 => ("unsupported_media_type", "Send the body as application/json."),
                _ => ("error", "The request failed."),
            };
            await ErrorResponses.WriteAsync(http, http.Response.StatusCode, code, message);
        });
        return app;
    }

    /// <summary>MVC keeps only the message of a form it failed to read (FormValueProviderFactory).</summary>
    private static bool IsTooLarge(string message) =>
        message.Contains("Request body too large", StringComparison.OrdinalIgnoreCase) ||
        (message.StartsWith("Failed to read the request form", StringComparison.Ordinal) &&
         message.Contains("limit", StringComparison.OrdinalIgnoreCase));

    private static bool IsTooLarge(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or System.IO.InvalidDataException)
            {
                return true;
            }
        }

        return false;
    }

    private static string ToWireField(string key)
    {
        var field = key.TrimStart('$').TrimStart('.');
        if (field.StartsWith("body.", StringComparison.OrdinalIgnoreCase) || field.StartsWith("request.", StringComparison.OrdinalIgnoreCase))
        {
            field = field[(field.IndexOf('.', StringComparison.Ordinal) + 1)..];
        }

        return string.IsNullOrEmpty(field) ? "body" : JsonNamingPolicy.SnakeCaseLower.ConvertName(field);
    }

    private static string Describe(Microsoft.AspNetCore.Mvc.ModelBinding.ModelError error)
    {
        if (error.Exception is JsonException || error.ErrorMessage.Contains("JSON", StringComparison.OrdinalIgnoreCase)
            || error.ErrorMessage.Contains("could not be converted", StringComparison.OrdinalIgnoreCase))
        {
            return "has the wrong type or is not valid JSON";
        }

        return string.IsNullOrWhiteSpace(error.ErrorMessage) ? "is invalid" : error.ErrorMessage;
    }
}
