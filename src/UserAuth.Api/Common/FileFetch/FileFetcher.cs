using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace UserAuth.Api.Common.FileFetch;

/// <summary>Resolves host names for <see cref="FileFetcher"/>; replaceable in tests (a DNS hook).</summary>
internal interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

internal sealed class DnsHostResolver : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Dns.GetHostAddressesAsync(host, cancellationToken);
}

/// <summary>
/// The one way the service downloads a file from a URL given by a caller (server-side request forgery guard).
/// <list type="bullet">
/// <item><see cref="CheckUrl"/>: the URL on its face (absolute, https, no credentials, a literal address must be
/// public). Callers check it when the request arrives and answer 400 when it is refused.</item>
/// <item><see cref="OpenAsync"/>: connects only to addresses the policy allows, checking EVERY address the host name
/// resolves to at connect time (and connecting to exactly those, so a second DNS answer cannot swap in another one),
/// follows redirects itself (each hop checked again), never uses a proxy, caps the size and the time, and streams.</item>
/// </list>
/// </summary>
internal sealed class FileFetcher : IDisposable
{
    private readonly FileFetchOptions options;
    private readonly IHostResolver resolver;
    private readonly HttpClient http;

    public FileFetcher(IOptions<FileFetchOptions> options, IHostResolver resolver)
    {
        this.options = options.Value;
        this.resolver = resolver;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(this.options.ConnectTimeoutSeconds),
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = ConnectAsync,
        };
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("UserAuth-FileFetch/1.0");
    }

    public FileFetchOptions Options => options;

    /// <summary>Why the URL is refused on its face, or null when it may be fetched (resolution is checked later).</summary>
    public string? Explain(string? url)
    {
        try
        {
            CheckUrl(url);
            return null;
        }
        catch (FileFetchRefusedException e)
        {
            return e.Message;
        }
    }

    /// <summary>The URL as a <see cref="Uri"/>; throws <see cref="FileFetchRefusedException"/> when refused on its face.</summary>
    public Uri CheckUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new FileFetchRefusedException("is required");
        }

        if (url.Length > options.MaxUrlLength)
        {
            throw new FileFetchRefusedException($"must be at most {options.MaxUrlLength} characters");
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FileFetchRefusedException("must be an absolute http(s) URL");
        }

        CheckUri(uri);
        return uri;
    }

    private void CheckUri(Uri uri)
    {
        var https = uri.Scheme == Uri.UriSchemeHttps;
        if (!https && !(uri.Scheme == Uri.UriSchemeHttp && options.AllowLoopback))
        {
            throw new FileFetchRefusedException(options.AllowLoopback
                ? "must use https (http only to a loopback address)"
                : "must use https");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new FileFetchRefusedException("must not carry credentials");
        }

        var isLiteral = IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal);
        if (isLiteral && AddressPolicy.Refusal(literal!, options.AllowLoopback) is { } reason)
        {
            throw new FileFetchRefusedException($"points to {reason}");
        }

        // http (AllowLoopback only) goes to a loopback address or the name localhost, nothing else.
        if (!https && !(isLiteral ? IsLoopback(literal!) : uri.IdnHost.Equals("localhost", StringComparison.OrdinalIgnoreCase)))
        {
            throw new FileFetchRefusedException("must use https (http only to a loopback address)");
        }
    }

    /// <summary>
    /// Opens the file: follows up to <see cref="FileFetchOptions.MaxRedirects"/> redirects, each checked, and returns
    /// its body as a stream that stops at <see cref="FileFetchOptions.MaxBytes"/> and at the time limit. Throws
    /// <see cref="FileFetchRefusedException"/> when a hop or a resolved address is refused, <see cref="FileFetchException"/>
    /// for any other failure (status, size, time, network), with a reason fit to show the caller.
    /// </summary>
    public async Task<FetchedFile> OpenAsync(Uri uri, CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(options.TimeoutSeconds));
        try
        {
            var current = uri;
            for (var hop = 0; ; hop++)
            {
                CheckUri(current);
                using var request = new HttpRequestMessage(HttpMethod.Get, current);
                var response = await SendAsync(request, deadline.Token, cancellationToken);
                var status = (int)response.StatusCode;
                if (status is 301 or 302 or 303 or 307 or 308)
                {
                    var location = response.Headers.Location;
                    response.Dispose();
                    if (location is null)
                    {
                        throw new FileFetchException($"the server answered HTTP {status} without a Location");
                    }

                    if (hop >= options.MaxRedirects)
                    {
                        throw new FileFetchException($"more than {options.MaxRedirects} redirects");
                    }

                    var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                    if (next.Scheme != Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttp)
                    {
                        throw new FileFetchRefusedException("a redirect must use https");
                    }

                    try
                    {
                        CheckUri(next);
                    }
                    catch (FileFetchRefusedException e)
                    {
                        throw new FileFetchRefusedException("a redirect " + e.Message);
                    }

                    current = next;
                    continue;
                }

                if (status is < 200 or > 299)
                {
                    response.Dispose();
                    throw new FileFetchException($"the server answered HTTP {status}");
                }

                if (response.Content.Headers.ContentLength is { } length && length > options.MaxBytes)
                {
                    response.Dispose();
                    throw new FileFetchLimitException($"the file is larger than {options.MaxBytes} bytes");
                }

                var body = await response.Content.ReadAsStreamAsync(deadline.Token);
                return new FetchedFile(current, response, new LimitedStream(body, options, deadline, cancellationToken));
            }
        }
        catch
        {
            deadline.Dispose();
            throw;
        }
    }

    /// <summary>Downloads the file to a temporary file (size and time capped) that is deleted when disposed.</summary>
    public async Task<SpooledFile> DownloadAsync(Uri uri, CancellationToken cancellationToken)
    {
        await using var fetched = await OpenAsync(uri, cancellationToken);
        var spooled = SpooledFile.Create();
        try
        {
            await using (var target = new FileStream(spooled.Path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024,
                             FileOptions.Asynchronous))
            {
                await fetched.Content.CopyToAsync(target, 64 * 1024, cancellationToken);
            }

            return spooled;
        }
        catch
        {
            spooled.Dispose();
            throw;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken deadline,
        CancellationToken caller)
    {
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline);
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested)
        {
            throw new FileFetchException($"the download took longer than {options.TimeoutSeconds} s");
        }
        catch (HttpRequestException e)
        {
            for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            {
                if (inner is FileFetchException fetch)
                {
                    throw fetch is FileFetchRefusedException refused ? new FileFetchRefusedException(refused.Message) : new FileFetchException(fetch.Message);
                }
            }

            throw new FileFetchException($"the file could not be fetched ({e.HttpRequestError})", e);
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await resolver.ResolveAsync(host, cancellationToken);
            }
            catch (SocketException)
            {
                throw new FileFetchException("the host name does not resolve");
            }
        }

        if (addresses.Length == 0)
        {
            throw new FileFetchException("the host name does not resolve");
        }

        var https = context.InitialRequestMessage.RequestUri?.Scheme == Uri.UriSchemeHttps;
        foreach (var address in addresses)
        {
            if (AddressPolicy.Refusal(address, options.AllowLoopback) is { } reason)
            {
                throw new FileFetchRefusedException($"the host resolves to {reason}");
            }

            if (!https && !IsLoopback(address))
            {
                throw new FileFetchRefusedException("http is allowed only to a loopback address");
            }
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    public void Dispose() => http.Dispose();
}

/// <summary>An open download: its final URL (after redirects) and its capped body.</summary>
internal sealed class FetchedFile(Uri finalUri, HttpResponseMessage response, Stream content) : IAsyncDisposable
{
    public Uri FinalUri { get; } = finalUri;

    public Stream Content { get; } = content;

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        response.Dispose();
    }
}

/// <summary>A downloaded file in the temp folder, deleted on dispose.</summary>
internal sealed class SpooledFile : IDisposable
{
    private SpooledFile(string path) => Path = path;

    public string Path { get; }

    public static SpooledFile Create() =>
        new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "userauth-fetch-" + Guid.NewGuid().ToString("N") + ".tmp"));

    public Stream OpenRead() => new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A body stream that fails past the size cap or the deadline, with the reason.</summary>
internal sealed class LimitedStream(Stream inner, FileFetchOptions options, CancellationTokenSource deadline, CancellationToken caller)
    : Stream
{
    private long read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        int n;
        try
        {
            n = await inner.ReadAsync(buffer, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !caller.IsCancellationRequested &&
                                                 !cancellationToken.IsCancellationRequested)
        {
            throw new FileFetchException($"the download took longer than {options.TimeoutSeconds} s");
        }
        catch (IOException e) when (deadline.IsCancellationRequested && !caller.IsCancellationRequested)
        {
            throw new FileFetchException($"the download took longer than {options.TimeoutSeconds} s", e);
        }
        catch (IOException e)
        {
            throw new FileFetchException("the download broke off", e);
        }

        read += n;
        if (read > options.MaxBytes)
        {
            throw new FileFetchLimitException($"the file is larger than {options.MaxBytes} bytes");
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            deadline.Dispose();
        }

        base.Dispose(disposing);
    }
}
