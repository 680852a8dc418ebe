using System.ComponentModel.DataAnnotations;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace UserAuth.Api.Hosting;

internal sealed class ShutdownOptions
{
    public const string Section = "Shutdown";

    /// <summary>
    /// On SIGTERM (or Ctrl+C) the service stops taking connections and gives the requests in flight this long to finish;
    /// then background jobs stop claiming and give their leases back at their last checkpoint (another instance, or
    /// this one after its restart, resumes them). What is still running at the deadline is cut off.
    /// </summary>
    [Range(1, 3600)]
    public int DeadlineSeconds { get; set; } = 30;
}

internal static class ShutdownExtensions
{
    public static WebApplicationBuilder AddUserAuthShutdown(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ShutdownOptions>()
            .BindConfiguration(ShutdownOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // The host's stop deadline is Kestrel's drain time and the background services' stop time together.
        builder.Services.AddOptions<HostOptions>()
            .Configure<IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = TimeSpan.FromSeconds(shutdown.Value.DeadlineSeconds));
        // First in the pipeline: a request whose body is still arriving when the stop begins is read to its end.
        builder.Services.AddSingleton<IStartupFilter, BodyReadsSurviveShutdown>();
        return builder;
    }
}

/// <summary>
/// Lets a request whose body is still arriving when the service begins to stop read that body to its end.
/// </summary>
/// <remarks>
/// On stop, Kestrel wakes every connection with <c>CancelPendingRead</c> on its input, so idle keep-alive connections
/// notice the stop and close. A request that is reading its body at that moment can receive that wake-up as a
/// canceled read: Kestrel hides it from a body reader that consumed all it examined, but not from one that left
/// examined bytes unconsumed, and MVC's JSON input formatter (System.Text.Json reading the request's
/// <see cref="PipeReader"/>, since .NET 10) does exactly that while a JSON document is incomplete. It then throws
/// <see cref="OperationCanceledException"/> ("PipeReader.ReadAsync was canceled") and the request in flight is
/// answered 500. The body reader is wrapped so that a canceled read the request did not ask for is returned as a
/// plain read of the same bytes; the reader then waits for the rest of the body as usual. A real disconnect still ends
/// the read (Kestrel reports it on the next read), and the shutdown deadline still cuts a request off.
/// </remarks>
internal sealed class BodyReadsSurviveShutdown : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            var request = context.Request;
            if (request.ContentLength is not 0 && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) &&
                context.Features.Get<IRequestBodyPipeFeature>() is { } body)
            {
                context.Features.Set<IRequestBodyPipeFeature>(new TolerantBodyFeature(body, context.Request));
            }

            return nextMiddleware(context);
        });
        next(app);
    };

    /// <summary>The body's reader, wrapped while the body is still the server's own stream.</summary>
    private sealed class TolerantBodyFeature(IRequestBodyPipeFeature inner, HttpRequest request) : IRequestBodyPipeFeature
    {
        private readonly Stream serverBody = request.Body;
        private PipeReader? wrapped;
        private PipeReader? wrappedFrom;

        public PipeReader Reader
        {
            get
            {
                // A body replaced by a filter (buffering for the Idempotency-Key fingerprint) is read as the server
                // wraps it: a stream, which never surfaces the wake-up.
                var reader = inner.Reader;
                if (!ReferenceEquals(request.Body, serverBody))
                {
                    return reader;
                }

                if (!ReferenceEquals(reader, wrappedFrom))
                {
                    wrappedFrom = reader;
                    wrapped = new ShutdownTolerantPipeReader(reader);
                }

                return wrapped!;
            }
        }
    }
}

/// <summary>A <see cref="PipeReader"/> that reports a read as canceled only when it was canceled through itself.</summary>
internal sealed class ShutdownTolerantPipeReader(PipeReader inner) : PipeReader
{
    private int canceledHere;

    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

    public override void CancelPendingRead()
    {
        Interlocked.Exchange(ref canceledHere, 1);
        inner.CancelPendingRead();
    }

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var read = inner.ReadAsync(cancellationToken);
        return read.IsCompletedSuccessfully ? new ValueTask<ReadResult>(Filter(read.Result)) : AwaitedAsync(read);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }

        result = Filter(result);
        return true;
    }

    private async ValueTask<ReadResult> AwaitedAsync(ValueTask<ReadResult> read) => Filter(await read);

    private ReadResult Filter(ReadResult result) =>
        result.IsCanceled && Interlocked.Exchange(ref canceledHere, 0) == 0
            ? new ReadResult(result.Buffer, isCanceled: false, result.IsCompleted)
            : result;
}
