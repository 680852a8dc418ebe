using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Features.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on every write of the platform API (POST, PUT, PATCH, DELETE), as one MVC resource filter.
/// The first request with a key claims it in the store (atomically, shared by every instance), runs, and stores its
/// answer when it succeeds (2xx): status, body and the headers that matter (Location, ETag, Set-Cookie), encrypted.
/// A retry with the same key and the same request (method, path, query and body bytes) gets that answer again, marked
/// <c>Idempotent-Replayed: true</c>, and runs nothing; with another request it gets 422
/// <c>idempotency_key_reused</c>. A retry that arrives while the first still runs waits for its answer
/// (<see cref="IdempotencyOptions.WaitForFirstSeconds"/>), then gets 409 <c>idempotency_key_in_progress</c> with
/// Retry-After. A request that fails (4xx, 5xx, an exception) wrote nothing and gives the key up, so a retry runs again.
/// </summary>
internal sealed partial class IdempotencyFilter(
    IIdempotencyStore store,
    IOptions<IdempotencyOptions> options,
    TimeProvider clock,
    SecretProtector protector,
    ILogger<IdempotencyFilter> logger) : IAsyncResourceFilter
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>The answer headers kept with the body; others (Date, request ids) belong to each answer.</summary>
    private static readonly string[] KeptHeaders = ["Content-Type", "Location", "ETag", "Set-Cookie", "Last-Modified"];

    /// <summary>True for the actions that take the header: the writes of the platform API (<see cref="WriteActions"/>).</summary>
    public static bool Applies(string? httpMethod, ControllerActionDescriptor? action) => WriteActions.IsWrite(httpMethod, action);

    public async Task OnResourceExecutionAsync(ResourceExecutingContext context, ResourceExecutionDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(HeaderName, out var values) ||
            !Applies(http.Request.Method, context.ActionDescriptor as ControllerActionDescriptor) ||
            context.RouteData.Values["application_id"] is not string application || !Ids.IsValid(application) ||
            context.RouteData.Values["company_id"] is not string company)
        {
            await next();
            return;
        }

        if (values.Count != 1 || !IsValidKey(values[0]))
        {
            context.Result = Error(http, StatusCodes.Status400BadRequest, "validation_failed",
                $"{HeaderName}: must be one value of 1 to {IdempotencyOptions.MaxKeyLength} printable ASCII characters",
                [new FieldError(HeaderName, $"must be one value of 1 to {IdempotencyOptions.MaxKeyLength} printable ASCII characters")]);
            return;
        }

        var scope = new IdempotencyScope(new Tenant(company, application.ToLowerInvariant()),
            http.User.FindFirst(TokenClaims.ClientId)?.Value ?? "unknown", values[0]!);
        var fingerprint = await FingerprintAsync(http.Request, http.RequestAborted);
        var settings = options.Value;
        var owner = Guid.NewGuid().ToString("N");
        // Waiting is measured in real time (a test's clock may stand still).
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(25);
        var now = clock.UtcNowMs();
        var held = await ClaimAsync(scope, fingerprint, owner, now, http.RequestAborted);
        while (true)
        {
            if (held is null)
            {
                await RunAsync(context, next, scope, owner);
                return;
            }

            if (!string.Equals(held.Fingerprint, fingerprint, StringComparison.Ordinal))
            {
                context.Result = Error(http, StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused",
                    $"This {HeaderName} was already used with another request (method, path, query or body); use a new key for a new request.",
                    [new FieldError(HeaderName, "was used with another request")]);
                return;
            }

            if (held.Answer is { } answer)
            {
                context.Result = new ReplayResult(answer.Status, Open(answer.ProtectedContent));
                return;
            }

            if (waited.Elapsed.TotalSeconds >= settings.WaitForFirstSeconds)
            {
                var retryAfter = Math.Max(1, (int)Math.Ceiling((held.LeaseUntil - now).TotalSeconds));
                http.Response.Headers.RetryAfter = Math.Min(retryAfter, 5).ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Result = Error(http, StatusCodes.Status409Conflict, "idempotency_key_in_progress",
                    $"A request with this {HeaderName} is still running; retry later to get its answer.", null);
                return;
            }

            await Task.Delay(pause, http.RequestAborted);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 250));
            // Waiting reads (no write per poll); only a key given up, expired or left by a dead instance is claimed again.
            now = clock.UtcNowMs();
            var seen = await store.FindAsync(scope, now, http.RequestAborted);
            held = seen is not null && (seen.Answer is not null || seen.LeaseUntil > now)
                ? seen
                : await ClaimAsync(scope, fingerprint, owner, now, http.RequestAborted);
        }
    }

    private Task<IdempotencyRecord?> ClaimAsync(IdempotencyScope scope, string fingerprint, string owner, DateTime now,
        CancellationToken cancellationToken) =>
        store.ClaimAsync(scope, fingerprint, owner, now, now.AddSeconds(options.Value.LeaseSeconds),
            now.AddSeconds(options.Value.RetentionSeconds), cancellationToken);

    private async Task RunAsync(ResourceExecutingContext context, ResourceExecutionDelegate next, IdempotencyScope scope, string owner)
    {
        var http = context.HttpContext;
        var prior = http.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        using var buffer = new MemoryStream();
        var capture = new StreamResponseBodyFeature(buffer, prior);
        http.Features.Set<IHttpResponseBodyFeature>(capture);
        ResourceExecutedContext executed;
        try
        {
            executed = await next();
            await capture.Writer.FlushAsync(http.RequestAborted);
        }
        catch
        {
            http.Features.Set(prior);
            await ReleaseAsync(scope, owner);
            throw;
        }

        http.Features.Set(prior);
        if (executed.Exception is not null && !executed.ExceptionHandled)
        {
            // MVC throws it again after this filter: the exception handler answers; the key is given up.
            await ReleaseAsync(scope, owner);
            return;
        }

        var status = http.Response.StatusCode;
        if (status is >= 200 and < 300)
        {
            var answer = new StoredAnswer(status, protector.Protect(Pack(http.Response.Headers, buffer)));
            try
            {
                if (!await store.CompleteAsync(scope, owner, answer,
                        clock.UtcNowMs().AddSeconds(options.Value.RetentionSeconds), CancellationToken.None))
                {
                    LogLeaseLost(logger, http.TraceIdentifier);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The write is done: answer it. Retries get 409 in progress until the lease ends, then run again.
                LogAnswerNotStored(logger, http.TraceIdentifier, e.GetType().Name);
            }
        }
        else
        {
            await ReleaseAsync(scope, owner);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(prior.Stream, http.RequestAborted);
    }

    private async Task ReleaseAsync(IdempotencyScope scope, string owner)
    {
        try
        {
            await store.ReleaseAsync(scope, owner, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReleaseFailed(logger, e.GetType().Name);
        }
    }

    private static bool IsValidKey(string? key) =>
        key is { Length: > 0 and <= IdempotencyOptions.MaxKeyLength } && key.All(c => c is >= '!' and <= '~');

    /// <summary>SHA-256 of method, path, query and body bytes; the body stays readable for MVC.</summary>
    private static async Task<string> FingerprintAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}\n{request.QueryString}\n"));
        request.EnableBuffering();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            hash.AppendData(chunk, 0, read);
        }

        request.Body.Position = 0;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static ObjectResult Error(HttpContext http, int status, string code, string message, IReadOnlyList<FieldError>? errors) =>
        new(new ErrorBody(message, code, http.TraceIdentifier, errors)) { StatusCode = status };

    /// <summary>The stored form of an answer's kept headers and body (a fixed JSON shape, not the API's options).</summary>
    private static string Pack(IHeaderDictionary headers, MemoryStream body)
    {
        var kept = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in KeptHeaders)
        {
            if (headers.TryGetValue(name, out var value) && value.Count > 0)
            {
                kept[name] = value.ToArray()!;
            }
        }

        return JsonSerializer.Serialize(new PackedAnswer(kept, Convert.ToBase64String(body.GetBuffer(), 0, (int)body.Length)));
    }

    private PackedAnswer Open(string protectedContent) =>
        JsonSerializer.Deserialize<PackedAnswer>(protector.Unprotect(protectedContent))
        ?? throw new InvalidOperationException("A stored idempotent answer is empty.");

    internal sealed record PackedAnswer(Dictionary<string, string[]> Headers, string Body);

    /// <summary>Writes a stored answer again.</summary>
    private sealed class ReplayResult(int status, PackedAnswer answer) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
            response.StatusCode = status;
            foreach (var (name, value) in answer.Headers)
            {
                response.Headers[name] = value;
            }

            response.Headers[ReplayedHeader] = "true";
            var body = Convert.FromBase64String(answer.Body);
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.HttpContext.RequestAborted);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idempotency key of {RequestId} was taken over before its answer was stored")]
    private static partial void LogLeaseLost(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idempotent answer of {RequestId} could not be stored: {Fault}")]
    private static partial void LogAnswerNotStored(ILogger logger, string requestId, string fault);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Idempotency key could not be given up: {Fault}")]
    private static partial void LogReleaseFailed(ILogger logger, string fault);
}
