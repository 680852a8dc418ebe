using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.ExceptionServices;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using UserAuth.Api.Common;

namespace UserAuth.Api.Hosting;

/// <summary>Metrics and traces (section <c>Telemetry</c>).</summary>
internal sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Serve the Prometheus scrape endpoint (no token needed).</summary>
    public bool MetricsEnabled { get; set; } = true;

    /// <summary>Path of the scrape endpoint; outside the API's prefixes.</summary>
    [Required]
    [RegularExpression("^/(?!service/|swagger|health/)[A-Za-z0-9_./-]*$",
        ErrorMessage = "Telemetry:MetricsPath must start with / and lie outside /service/, /swagger and /health/.")]
    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>When set, the scrape endpoint answers only on this port (also list the port in ASPNETCORE_URLS).</summary>
    [Range(1, 65535)]
    public int? MetricsPort { get; set; }

    /// <summary>OTLP collector (e.g. http://collector:4317); traces and metrics are pushed there when set. The standard
    /// OTEL_EXPORTER_OTLP_ENDPOINT variable works too.</summary>
    public string? OtlpEndpoint { get; set; }

    [Required]
    public string ServiceName { get; set; } = "userauth";

    /// <summary>The standard variable naming the collector when <see cref="OtlpEndpoint"/> is not set.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
}

internal static class Telemetry
{
    public static WebApplicationBuilder AddUserAuthTelemetry(this WebApplicationBuilder builder)
    {
        // Which exporters run depends on these settings: read at registration, through the validated options.
        var options = builder.AddValidatedOptions<TelemetryOptions>(o => o.BindConfiguration(TelemetryOptions.Section)
            .PostConfigure<IConfiguration>((telemetry, configuration) =>
                telemetry.OtlpEndpoint ??= configuration.GetValue<string?>(TelemetryOptions.OtlpEndpointVariable))
            .ValidateDataAnnotations()
            .Validate(t => string.IsNullOrWhiteSpace(t.OtlpEndpoint) || Uri.TryCreate(t.OtlpEndpoint, UriKind.Absolute, out _),
                $"Telemetry:OtlpEndpoint (or {TelemetryOptions.OtlpEndpointVariable}) must be an absolute URI."));
        builder.Services.AddSingleton<ServiceMetrics>();

        var otlp = options.OtlpEndpoint;
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(ServiceMetrics.MeterName);
                if (options.MetricsEnabled)
                {
                    metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                }

                if (!string.IsNullOrWhiteSpace(otlp))
                {
                    metrics.AddOtlpExporter(exporter => exporter.Endpoint = new Uri(otlp));
                }
            });
        if (!string.IsNullOrWhiteSpace(otlp))
        {
            // Traces only go somewhere when a collector is configured; without one nothing is recorded.
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsScrape(context, options))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(exporter => exporter.Endpoint = new Uri(otlp)));
        }

        return builder;
    }

    private static bool IsScrape(HttpContext context, TelemetryOptions options) =>
        context.Request.Path.StartsWithSegments(options.MetricsPath, StringComparison.OrdinalIgnoreCase);

    /// <summary>The Prometheus scrape endpoint: anonymous, and on <c>Telemetry:MetricsPort</c> only when that is set.</summary>
    public static WebApplication MapUserAuthMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value;
        if (!options.MetricsEnabled)
        {
            return app;
        }

        var endpoint = app.MapPrometheusScrapingEndpoint(options.MetricsPath).AllowAnonymous();
        if (options.MetricsPort is { } port)
        {
            endpoint.RequireHost($"*:{port}");
        }

        return app;
    }
}

/// <summary>
/// Wraps a storage port so every call is timed into <c>userauth.store.operation.duration</c> by adapter, port and
/// operation (see <see cref="StorageExtensions.AddStore{TPort, TSqlite, TMongo}"/>): new ports are measured without
/// code of their own.
/// </summary>
#pragma warning disable CA1852 // DispatchProxy derives a type from this one
internal class StoreMetricsProxy<TPort> : DispatchProxy
#pragma warning restore CA1852
    where TPort : class
{
    private TPort target = null!;
    private ServiceMetrics metrics = null!;
    private string adapter = "";
    private static readonly string Port = typeof(TPort).Name.TrimStart('I');

    /// <summary>The operation name of each port method, made once (not a new string per call).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<MethodInfo, string> Operations = new();

    public static TPort Create(TPort target, ServiceMetrics metrics, string adapter)
    {
        var proxy = Create<TPort, StoreMetricsProxy<TPort>>();
        var self = (StoreMetricsProxy<TPort>)(object)proxy;
        self.target = target;
        self.metrics = metrics;
        self.adapter = adapter;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var started = Stopwatch.GetTimestamp();
        var operation = Operations.GetOrAdd(targetMethod, static method =>
            method.Name.EndsWith("Async", StringComparison.Ordinal) ? method.Name[..^5] : method.Name);
        object? result;
        try
        {
            result = targetMethod.Invoke(target, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            Record(operation, started, failed: true);
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }

        if (result is Task task)
        {
            task.ContinueWith(static (t, state) =>
                {
                    var (proxy, op, start) = ((StoreMetricsProxy<TPort>, string, long))state!;
                    proxy.Record(op, start, t.IsFaulted);
                }, (this, operation, started), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        else
        {
            Record(operation, started, failed: false);
        }

        return result;
    }

    private void Record(string operation, long started, bool failed) =>
        metrics.StoreOperation(adapter, Port, operation, Stopwatch.GetElapsedTime(started).TotalSeconds, failed);
}
