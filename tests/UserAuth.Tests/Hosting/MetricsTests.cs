using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common.Jobs;
using UserAuth.Api.Features.Lifecycle;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Hosting;

/// <summary>The Prometheus endpoint serves the request, token, session, store and job series, with no personal data.</summary>
public abstract class MetricsTests(ApiFixture fixture)
{
    private string Adapter => fixture.Store == StoreKind.Sqlite ? "sqlite" : "mongodb";

    [Fact]
    public async Task Metrics_after_traffic_have_the_listed_series_and_no_personal_data()
    {
        fixture.RequireStore();
        var http = await fixture.ClientAsync();
        var anonymous = fixture.Anonymous();
        await ApiFixture.TokenAsync(anonymous, TestClients.Main);
        using (var refused = new HttpRequestMessage(HttpMethod.Post, "/service/panel/authentication/v1.0/company/1001/oauth/token"))
        {
            refused.Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]);
            refused.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("tests-main:wrong-secret")));
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(refused)).StatusCode);
        }

        var app = Http.App(ApiFixture.NewApplicationId());
        const string email = "metrics.person@example.org";
        const string phone = "9812345678";
        var created = await http.PostJsonAsync($"{app}/customers", new { username = "metrics_person", phone_number = "+91 " + phone, email });
        var userId = created.GetProperty("user").GetProperty("user_id").GetString()!;
        await http.GetJsonAsync($"{app}/customers/search?q={Uri.EscapeDataString(email)}");
        await http.GetJsonAsync($"{app}/customers/list?q={Uri.EscapeDataString(email)}");
        var session = await http.PostJsonAsync($"{app}/customers/session", new { user_id = userId, domain = "shop.example.org" });
        Assert.True(session.TryGetProperty("cookie", out _));
        await http.DeleteAsync($"{app}/customers/sessions?id={userId}&reason=metrics");
        await fixture.Services.GetRequiredService<ErasureService>().EraseDueAsync(CancellationToken.None);
        await fixture.Services.GetRequiredService<JobWorker>().ReportQueuesAsync(CancellationToken.None);

        var response = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split('\n');
        foreach (var (name, labels) in new (string, string[])[]
                 {
                     ("http_server_request_duration_seconds_bucket",
                         ["http_route=\"service/platform/user/v1.0/company/{company_id}/application/{application_id}/customers\""]),
                     ("userauth_tokens_issued_total", []),
                     ("userauth_tokens_refused_total", ["reason=\"invalid_client\""]),
                     ("userauth_store_operation_duration_seconds_bucket",
                         [$"adapter=\"{Adapter}\"", "port=\"UserStore\"", "operation=\"Insert\"", "outcome=\"ok\""]),
                     ("userauth_sessions_created_total", []),
                     ("userauth_sessions_revoked_total", ["kind=\"all\""]),
                     ("userauth_jobs_queue_depth", ["queue=\"erasure\""]),
                     ("userauth_jobs_queue_oldest_age_seconds", ["queue=\"erasure\""]),
                     ("userauth_jobs_queue_depth", ["queue=\"bulk_jobs\""]),
                     ("userauth_jobs_queue_oldest_age_seconds", ["queue=\"bulk_jobs\""]),
                     ("dotnet_gc_collections_total", []),
                 })
        {
            Assert.True(lines.Any(l => (l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal)) &&
                                       labels.All(x => l.Contains(x, StringComparison.Ordinal))),
                $"no {name} with {string.Join(",", labels)} in the scrape:\n{string.Join("\n", lines.Where(l => l.StartsWith("userauth", StringComparison.Ordinal)))}");
        }

        foreach (var personal in new[] { email, "example.org", phone, userId })
        {
            Assert.DoesNotContain(personal, text, StringComparison.OrdinalIgnoreCase);
        }
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteMetricsTests(SqliteApiFixture fixture) : MetricsTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoMetricsTests(MongoApiFixture fixture) : MetricsTests(fixture);

/// <summary>Where the scrape endpoint answers: its path, and only its port when one is set.</summary>
public sealed class MetricsEndpointTests
{
    private static ApiFactory Start(params (string Key, string? Value)[] overrides)
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Sqlite:Path"] = Path.Combine(Path.GetTempPath(), $"userauth-metrics-{Guid.NewGuid():N}.db");
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return new ApiFactory(settings);
    }

    [Fact]
    public async Task The_path_is_a_setting_and_the_endpoint_can_be_kept_to_its_own_port()
    {
        using var factory = Start(("Telemetry:MetricsPath", "/internal/prometheus"), ("Telemetry:MetricsPort", "9464"));
        var main = factory.CreateClient(new() { BaseAddress = new Uri("http://localhost:8080") });
        Assert.NotEqual(HttpStatusCode.OK, (await main.GetAsync("/internal/prometheus")).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await main.GetAsync("/metrics")).StatusCode);
        var metricsPort = factory.CreateClient(new() { BaseAddress = new Uri("http://localhost:9464") });
        var scrape = await metricsPort.GetAsync("/internal/prometheus");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Contains("# TYPE", await scrape.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_metrics_path_under_the_api_prefix_stops_start_up()
    {
        using var factory = Start(("Telemetry:MetricsPath", "/service/metrics"));
        var e = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains("Telemetry:MetricsPath", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_can_be_turned_off()
    {
        using var factory = Start(("Telemetry:MetricsEnabled", "false"));
        Assert.NotEqual(HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/metrics")).StatusCode);
    }
}
