namespace UserAuth.Api.Common;

/// <summary>One field's problem, as sent in an error body.</summary>
public sealed record FieldError(string Field, string Reason);

/// <summary>An expected failure. Services throw these; one exception handler turns them into the error body.</summary>
public abstract class ApiException(int statusCode, string code, string message, IReadOnlyList<FieldError>? errors = null)
    : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public string Code { get; } = code;
    public IReadOnlyList<FieldError> Errors { get; } = errors ?? [];
}

public sealed class NotFoundException(string message, string code = "not_found", IReadOnlyList<FieldError>? errors = null)
    : ApiException(StatusCodes.Status404NotFound, code, message, errors);

public sealed class ConflictException(string message, string code = "conflict", IReadOnlyList<FieldError>? errors = null)
    : ApiException(StatusCodes.Status409Conflict, code, message, errors);

public sealed class ForbiddenException(string message, string code = "forbidden", IReadOnlyList<FieldError>? errors = null)
    : ApiException(StatusCodes.Status403Forbidden, code, message, errors);

public sealed class BadRequestException(string message, string code = "bad_request", IReadOnlyList<FieldError>? errors = null)
    : ApiException(StatusCodes.Status400BadRequest, code, message, errors);

/// <summary>The request cannot be applied as sent (422): e.g. an Idempotency-Key already used with another request.</summary>
public sealed class UnprocessableException(string message, string code, IReadOnlyList<FieldError>? errors = null)
    : ApiException(StatusCodes.Status422UnprocessableEntity, code, message, errors);

/// <summary>An <c>If-Match</c> precondition that does not hold (412): the resource changed since the caller read it.</summary>
public sealed class PreconditionFailedException(string message, string code = "precondition_failed", IReadOnlyList<FieldError>? errors = null)
    : ApiException(StatusCodes.Status412PreconditionFailed, code, message, errors);

public sealed class ValidationFailedException(IReadOnlyList<FieldError> errors)
    : ApiException(StatusCodes.Status400BadRequest, "validation_failed", Describe(errors), errors)
{
    public ValidationFailedException(string field, string reason) : this([new FieldError(field, reason)]) { }

    private static string Describe(IReadOnlyList<FieldError> errors) => errors.Count switch
    {
        0 => "The request is invalid.",
        1 => $"{errors[0].Field}: {errors[0].Reason}",
        _ => $"{errors[0].Field}: {errors[0].Reason} (and {errors.Count - 1} more)",
    };
}

/// <summary>The error body. <c>message</c> is what the official client reads to build its exception.</summary>
public sealed record ErrorBody(
    string Message,
    string Code,
    string? RequestId,
    IReadOnlyList<FieldError>? Errors = null);
