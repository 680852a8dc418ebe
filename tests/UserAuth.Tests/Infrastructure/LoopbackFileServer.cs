using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace UserAuth.Tests.Infrastructure;

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, random port) serving test files: what the service downloads in tests.
/// <c>/files/{name}</c> serves a registered file; <c>/redirect?to=URL</c> answers 302; <c>/slow?seconds=N</c> sends
/// part of a body, then stalls; <c>/chunked?bytes=N</c> streams N bytes without a Content-Length.
/// </summary>
public sealed class LoopbackFileServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (long? Length, Func<Stream, CancellationToken, Task> Write)> files = new();
    private readonly WebApplication app;

    private LoopbackFileServer(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>How many requests reached a path (e.g. to see that a file was fetched again).</summary>
    public ConcurrentDictionary<string, int> Hits { get; } = new();

    public static async Task<LoopbackFileServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackFileServer(app);
        app.Use(async (context, next) =>
        {
            server.Hits.AddOrUpdate(context.Request.Path.Value ?? "", 1, (_, n) => n + 1);
            await next();
        });
        app.MapGet("/files/{name}", async (string name, HttpContext context) =>
        {
            if (!server.files.TryGetValue(name, out var file))
            {
                context.Response.StatusCode = 404;
                return;
            }

            context.Response.ContentType = "text/csv";
            context.Response.ContentLength = file.Length;
            await file.Write(context.Response.Body, context.RequestAborted);
        });
        app.MapGet("/redirect", (string to) => Results.Redirect(to));
        app.MapGet("/slow", async (int seconds, HttpContext context) =>
        {
            context.Response.ContentType = "text/csv";
            await context.Response.WriteAsync("email,action\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(TimeSpan.FromSeconds(seconds), context.RequestAborted);
            await context.Response.WriteAsync("a@b.co,add\n", context.RequestAborted);
        });
        app.MapGet("/chunked", async (int bytes, HttpContext context) =>
        {
            var chunk = new byte[4096];
            Array.Fill(chunk, (byte)'x');
            for (var sent = 0; sent < bytes; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, Math.Min(chunk.Length, bytes - sent)), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
        await app.StartAsync();
        server.BaseUrl = app.Urls.First().TrimEnd('/');
        return server;
    }

    /// <summary>Serves <paramref name="text"/> at <c>/files/{name}</c>; returns its URL.</summary>
    public string Serve(string name, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        files[name] = (bytes.Length, (body, ct) => body.WriteAsync(bytes, ct).AsTask());
        return Url(name);
    }

    /// <summary>Serves content written on demand (large files without holding them in memory).</summary>
    public string Serve(string name, Func<Stream, CancellationToken, Task> write)
    {
        files[name] = (null, write);
        return Url(name);
    }

    public string Url(string name) => $"{BaseUrl}/files/{name}";

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
