using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Hosting;

/// <summary>No personal data (emails, phones) in any log line, and request logs carry who and what.</summary>
[Collection(SqliteCollection.Name)]
public sealed class LoggingTests(SqliteApiFixture fixture)
{
    private sealed class CapturingSink : ILogEventSink
    {
        public ConcurrentQueue<LogEvent> Events { get; } = new();

        public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);
    }

    [Fact]
    public async Task Logs_hold_no_email_or_phone_and_request_logs_name_client_company_and_route()
    {
        var sink = new CapturingSink();
        await using var factory = fixture.Factory.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Serilog:MinimumLevel:Default", "Verbose");
            builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(sink));
        });
        var http = factory.CreateClient();
        // Another host built later in the same process must not take over this host's request logs.
        await using var later = fixture.Factory.WithWebHostBuilder(_ => { });
        _ = later.Server;
        http.DefaultRequestHeaders.Authorization = new("Bearer", await ApiFixture.TokenAsync(http, TestClients.Main));
        var p = Http.App(ApiFixture.NewApplicationId());
        var phone = Build.Phone();
        var email = $"{Build.Username("private")}@example.com";

        var user = (await http.PostJsonAsync($"{p}/customers", Build.User(phone: phone, email: email))).GetProperty("user");
        var id = user.GetProperty("_id").GetString();
        await http.PostJsonAsync($"{p}/customers", Build.User(phone: phone, email: email), HttpStatusCode.Conflict);
        await http.GetJsonAsync($"{p}/customers/list?q={Uri.EscapeDataString(email)}");
        await http.GetJsonAsync($"{p}/customers/search?query={phone}&query={Uri.EscapeDataString(email)}");
        await http.PutJsonAsync($"{p}/customers/{id}", new { emails = new[] { new { email = "bad@", primary = true } } }, HttpStatusCode.BadRequest);
        await http.PostJsonAsync($"{p}/customers/session", new { user_id = id, domain = "shop.example.com" });
        await (await http.DeleteAsync($"{p}/customers/{id}?reason={Uri.EscapeDataString(email)}")).ExpectAsync(HttpStatusCode.OK);

        var lines = sink.Events.Select(e => e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture) + " " + string.Join(" ", e.Properties.Select(x => $"{x.Key}={x.Value}")) +
                                            " " + e.Exception).ToList();
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => l.Contains(email, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.Contains(phone, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("bad@", StringComparison.Ordinal));

        var request = sink.Events.First(e => e.Properties.TryGetValue("StatusCode", out var s) && s.ToString() == "409");
        Assert.Equal("\"tests-main\"", request.Properties["ClientId"].ToString());
        Assert.Equal("\"1001\"", request.Properties["CompanyId"].ToString());
        Assert.True(request.Properties.ContainsKey("RequestId"));
        Assert.True(request.Properties.ContainsKey("Elapsed"));
        Assert.Contains("{application_id}/customers", request.Properties["RouteTemplate"].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Personal_data_put_where_an_id_belongs_is_not_logged_with_the_path()
    {
        var sink = new CapturingSink();
        await using var factory = fixture.Factory.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Serilog:MinimumLevel:Default", "Verbose");
            builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(sink));
        });
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", await ApiFixture.TokenAsync(http, TestClients.Main));
        var app = ApiFixture.NewApplicationId();

        await (await http.GetAsync($"{Http.App(app)}/customers/pii.probe%40example.com/timeline", TestContext.Current.CancellationToken))
            .ExpectAsync(HttpStatusCode.BadRequest);
        await (await http.GetAsync($"/service/platform/user/v1.0/nowhere/pii.probe%40example.com", TestContext.Current.CancellationToken))
            .ExpectAsync(HttpStatusCode.NotFound);

        var lines = sink.Events.Select(e => e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture) + " " + string.Join(" ", e.Properties.Select(x => $"{x.Key}={x.Value}")))
            .ToList();
        Assert.True(lines.All(l => !l.Contains("pii.probe", StringComparison.OrdinalIgnoreCase)), string.Join("\n", lines.Where(l => l.Contains("pii.probe", StringComparison.OrdinalIgnoreCase))));
        var request = sink.Events.First(e => e.Properties.TryGetValue("StatusCode", out var s) && s.ToString() == "400");
        Assert.Contains("customers/{user_id}/timeline", request.Properties["RouteTemplate"].ToString(), StringComparison.Ordinal);
        Assert.Contains("customers/{user_id}/timeline", request.Properties["RequestPath"].ToString(), StringComparison.Ordinal);
    }
}
