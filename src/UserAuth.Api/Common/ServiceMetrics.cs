using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace UserAuth.Api.Common;

/// <summary>
/// The service's own metrics (meter <see cref="MeterName"/>), exported with the ASP.NET Core, HttpClient and runtime
/// metrics on the Prometheus endpoint and over OTLP (see <c>Hosting/Telemetry.cs</c>). Inject it and call a method.
/// Labels carry fixed vocabularies only (reasons, kinds, adapter, port and method names): never an id, an email,
/// a phone number, a user-supplied reason or an attribute value.
/// </summary>
public sealed class ServiceMetrics
{
    public const string MeterName = "UserAuth";

    private readonly Counter<long> tokensIssued;
    private readonly Counter<long> tokensRefused;
    private readonly Counter<long> sessionsCreated;
    private readonly Counter<long> sessionsRevoked;
    private readonly Histogram<double> storeDuration;
    private readonly ConcurrentDictionary<string, (long Depth, double OldestAgeSeconds)> queues = new(StringComparer.Ordinal);

    public ServiceMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        tokensIssued = meter.CreateCounter<long>("userauth.tokens.issued", "{token}", "Bearer tokens issued.");
        tokensRefused = meter.CreateCounter<long>("userauth.tokens.refused", "{request}",
            "Token requests refused, by reason (the error code: invalid_client, invalid_scope, too_many_requests, ...).");
        sessionsCreated = meter.CreateCounter<long>("userauth.sessions.created", "{session}", "Login sessions created.");
        sessionsRevoked = meter.CreateCounter<long>("userauth.sessions.revoked", "{session}",
            "Login sessions revoked, by kind: one (deleteSession), all (deleteActiveSessions), user_state (block, archive, " +
            "delete or a sign-in change).");
        storeDuration = meter.CreateHistogram("userauth.store.operation.duration", "s",
            "Duration of storage port calls, by adapter (sqlite, mongodb), port and operation.",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            });
        meter.CreateObservableGauge("userauth.jobs.queue.depth",
            () => queues.Select(q => new Measurement<long>(q.Value.Depth, new KeyValuePair<string, object?>("queue", q.Key))),
            "{job}", "Jobs waiting in a background queue, as its worker last saw them.");
        meter.CreateObservableGauge("userauth.jobs.queue.oldest_age",
            () => queues.Select(q => new Measurement<double>(q.Value.OldestAgeSeconds, new KeyValuePair<string, object?>("queue", q.Key))),
            "s", "Age of the oldest job waiting in a background queue, as its worker last saw it (0 when empty).");
    }

    public void TokenIssued() => tokensIssued.Add(1);

    /// <summary>A token request refused; <paramref name="reason"/> is its error code (a fixed vocabulary).</summary>
    public void TokenRefused(string reason) => tokensRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void SessionsCreated(int count = 1) => sessionsCreated.Add(count);

    /// <summary>Sessions revoked; <paramref name="kind"/> is <c>one</c>, <c>all</c> or <c>user_state</c>.</summary>
    public void SessionsRevoked(int count, string kind)
    {
        if (count > 0)
        {
            sessionsRevoked.Add(count, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    public void StoreOperation(string adapter, string port, string operation, double seconds, bool failed) =>
        storeDuration.Record(seconds,
            new KeyValuePair<string, object?>("adapter", adapter),
            new KeyValuePair<string, object?>("port", port),
            new KeyValuePair<string, object?>("operation", operation),
            new KeyValuePair<string, object?>("outcome", failed ? "error" : "ok"));

    /// <summary>
    /// A background worker reports its queue each time it looks at it (e.g. after every poll): how many jobs wait and
    /// since when the oldest waits. <paramref name="queue"/> is a fixed name (<c>erasure</c>, <c>users_import</c>, ...).
    /// </summary>
    public void ReportJobQueue(string queue, long depth, TimeSpan oldestAge) =>
        queues[queue] = (depth, depth == 0 ? 0 : Math.Max(0, oldestAge.TotalSeconds));
}
