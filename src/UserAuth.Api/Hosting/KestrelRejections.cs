using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using UserAuth.Api.Common;

namespace UserAuth.Api.Hosting;

/// <summary>
/// Kestrel answers a request it cannot parse (a <c>%00</c> in the path, a request line over its limit (414), headers
/// over their limit (431), a malformed request line or header (400), headers that never finish (408)) itself, before
/// any middleware runs, with a bare status line and <c>Content-Length: 0</c>; no ASP.NET Core hook changes that answer
/// (aspnet/KestrelHttpServer#2947, "this category of errors is not customisable"). This connection middleware sits
/// between Kestrel's HTTP/1.x writer and the socket and gives such an answer the documented error body. It recognises
/// the rejection by its shape: a flushed HTTP/1.x response head with an error status, <c>Content-Length: 0</c>,
/// <c>Connection: close</c>, no <c>Content-Type</c> and nothing after it, which the service's own answers never have
/// (every error the service writes carries the JSON body). Plain HTTP/1.x only: behind TLS the bytes it sees are
/// encrypted and pass unchanged.
/// </summary>
internal static class KestrelRejections
{
    public static WebApplicationBuilder AddUserAuthKestrelRejections(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel((context, kestrel) => kestrel.ConfigureEndpointDefaults(listen =>
        {
            var logger = kestrel.ApplicationServices.GetRequiredService<ILogger<RejectionBodyWriter>>();
            listen.Use(next => connection =>
            {
                connection.Transport = new DuplexPipe(connection.Transport.Input,
                    new RejectionBodyWriter(connection.Transport.Output, connection.ConnectionId, logger));
                return next(connection);
            });
        }));
        return builder;
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}

/// <summary>
/// Passes everything Kestrel writes to the socket, one flush at a time; a flush that is exactly one bare rejection head
/// goes out with the error body.
/// </summary>
internal sealed class RejectionBodyWriter(PipeWriter inner, string connectionId, ILogger<RejectionBodyWriter> logger) : PipeWriter
{
    private static readonly byte[] Http1 = "HTTP/1."u8.ToArray();
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();
    private const int KeptCapacity = 64 * 1024;

    private ArrayBufferWriter<byte> pending = new(4096);
    private int rejections;

    /// <summary>Kestrel's response writer asks (System.Text.Json decides when to flush by it).</summary>
    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => pending.WrittenCount + (inner.CanGetUnflushedBytes ? inner.UnflushedBytes : 0);

    public override void Advance(int bytes) => pending.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => pending.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => pending.GetSpan(sizeHint);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        Pass();
        return await inner.FlushAsync(cancellationToken);
    }

    public override void Complete(Exception? exception = null)
    {
        if (exception is null)
        {
            Pass();
        }

        inner.Complete(exception);
    }

    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        if (exception is null)
        {
            Pass();
            await inner.FlushAsync();
        }

        await inner.CompleteAsync(exception);
    }

    private void Pass()
    {
        if (pending.WrittenCount == 0)
        {
            return;
        }

        var written = pending.WrittenSpan;
        if (Rewrite(written) is { } answer)
        {
            inner.Write(answer);
        }
        else
        {
            inner.Write(written);
        }

        if (pending.Capacity > KeptCapacity)
        {
            pending = new ArrayBufferWriter<byte>(4096);
        }
        else
        {
            pending.ResetWrittenCount();
        }
    }

    /// <summary>The answer with the error body when <paramref name="head"/> is a bare rejection, else null.</summary>
    private byte[]? Rewrite(ReadOnlySpan<byte> head)
    {
        // "HTTP/1.1 431 Request Header Fields Too Large\r\n...\r\n\r\n" and nothing after it.
        if (head.Length < 16 || head.Length > 4096 || !head.StartsWith(Http1) || head.IndexOf(EndOfHead) != head.Length - EndOfHead.Length
            || !int.TryParse(head.Slice(9, 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status)
            || status < 400)
        {
            return null;
        }

        var text = Encoding.Latin1.GetString(head);
        var lines = text[..^4].Split("\r\n");
        var headers = lines.Skip(1).ToList();
        if (!headers.Any(h => h.Equals("Content-Length: 0", StringComparison.OrdinalIgnoreCase))
            || !headers.Any(h => h.Equals("Connection: close", StringComparison.OrdinalIgnoreCase))
            || headers.Any(h => h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var requestId = $"{connectionId}:rejected{Interlocked.Increment(ref rejections)}";
        var (code, message) = Describe(status);
        logger.LogInformation("Kestrel rejected a request before routing: {StatusCode} {Code} ({RequestId})", status, code, requestId);
        var body = JsonSerializer.SerializeToUtf8Bytes(new ErrorBody(message, code, requestId), JsonDefaults.Options);
        var answer = new StringBuilder(text.Length + 64);
        answer.Append(lines[0]).Append("\r\n");
        foreach (var header in headers.Where(h => !h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)))
        {
            answer.Append(header).Append("\r\n");
        }

        answer.Append("Content-Type: application/json; charset=utf-8\r\n")
            .Append("Content-Length: ").Append(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n\r\n");
        return [.. Encoding.Latin1.GetBytes(answer.ToString()), .. body];
    }

    private static (string Code, string Message) Describe(int status) => status switch
    {
        StatusCodes.Status408RequestTimeout => ("request_timeout", "The request headers did not arrive in time."),
        StatusCodes.Status411LengthRequired => ("length_required", "A request with a body needs Content-Length or chunked transfer encoding."),
        StatusCodes.Status413PayloadTooLarge => ("payload_too_large", "The request body is too large."),
        StatusCodes.Status414UriTooLong => ("uri_too_long", "The request line is too long."),
        StatusCodes.Status431RequestHeaderFieldsTooLarge => ("headers_too_large", "The request headers are too large."),
        StatusCodes.Status505HttpVersionNotsupported => ("http_version_not_supported", "This HTTP version is not supported."),
        _ => ("bad_request", "The request could not be read: its request line, path or headers are malformed."),
    };
}
