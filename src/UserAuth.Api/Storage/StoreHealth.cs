using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using UserAuth.Api.Common;

namespace UserAuth.Api.Storage;

/// <summary>A store adapter's readiness probe: a real round trip to what serves writes (the file, the primary).</summary>
internal interface IStoreProbe
{
    /// <summary><c>sqlite</c> or <c>mongodb</c>.</summary>
    string Provider { get; }

    /// <summary>Null when the store takes writes now; otherwise why not (no personal data, no addresses).</summary>
    Task<string?> ProbeAsync(CancellationToken cancellationToken);
}

/// <summary>When each dependency last passed its check, for <c>/health/ready</c>.</summary>
internal sealed class HealthRecord
{
    private readonly ConcurrentDictionary<string, DateTime> lastSuccess = new();

    public void Succeeded(string name, DateTime at) => lastSuccess[name] = at;

    public DateTime? LastSuccess(string name) => lastSuccess.TryGetValue(name, out var at) ? at : null;
}

/// <summary>The readiness check named <c>store</c>: the configured adapter's probe, bounded by the registration's timeout.</summary>
internal sealed class StoreHealthCheck(IStoreProbe probe, HealthRecord record, TimeProvider clock) : IHealthCheck
{
    public const string Name = "store";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string? problem;
        try
        {
            problem = await probe.ProbeAsync(cancellationToken);
        }
        catch (Exception e) when (StoreFaults.IsUnavailable(e) || e is OperationCanceledException)
        {
            problem = e is OperationCanceledException ? "the probe timed out" : $"the store is unavailable ({e.GetType().Name})";
        }

        if (problem is null)
        {
            record.Succeeded(Name, clock.GetUtcNow().UtcDateTime);
        }

        var data = new Dictionary<string, object> { ["provider"] = probe.Provider };
        return problem is null
            ? HealthCheckResult.Healthy($"{probe.Provider} takes writes", data)
            : HealthCheckResult.Unhealthy($"{probe.Provider}: {problem}", data: data);
    }
}

/// <summary>The body of <c>/health/ready</c>: overall status and, per dependency, status, description and last success.</summary>
internal static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report, HealthRecord record)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString());
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", entry.Status.ToString());
                json.WriteString("description", entry.Description ?? (entry.Exception is null ? "" : "the check failed"));
                foreach (var (key, value) in entry.Data)
                {
                    json.WriteString(key, value.ToString());
                }

                if (record.LastSuccess(name) is { } at)
                {
                    json.WriteString("last_success", UtcDateTimeConverter.ToWire(at));
                }

                json.WriteNumber("duration_ms", Math.Round(entry.Duration.TotalMilliseconds, 1));
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted).AsTask();
    }
}
