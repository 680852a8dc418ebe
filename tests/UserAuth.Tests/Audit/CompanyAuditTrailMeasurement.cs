using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Audit;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Audit;

/// <summary>
/// getCompanyAuditTrail's query on a large trail: <see cref="Records"/> company-wide records of company 1001 and as many
/// records of one of its applications (the same index, another prefix), in an embedded SQLite store, read through HTTP
/// (in-memory server, sequential) at page 1 and at deep pages. Not in CI (a measurement, not a test):
/// <c>USERAUTH_MEASURE_COMPANY_AUDIT=1 dotnet test tests/UserAuth.Tests -c Release --filter
/// FullyQualifiedName~CompanyAuditTrailMeasurement</c>; prints the figures. docs/BENCHMARKS.md, "Audit trail", has the
/// last run.
/// </summary>
public sealed class CompanyAuditTrailMeasurement
{
    private const int Records = 100_000;
    private const int Repeats = 40;

    [Fact]
    public async Task Company_trail_pages_on_a_large_trail()
    {
        if (Environment.GetEnvironmentVariable("USERAUTH_MEASURE_COMPANY_AUDIT") != "1")
        {
            Assert.Skip("A measurement, not a test: set USERAUTH_MEASURE_COMPANY_AUDIT=1 to run it.");
        }

        var folder = Path.Combine(Path.GetTempPath(), "userauth-company-audit-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var settings = ApiFactory.BaseSettings();
            settings["Storage:Provider"] = "Sqlite";
            settings["Storage:Sqlite:Path"] = Path.Combine(folder, "trail.db");
            await using var factory = new ApiFactory(settings);
            _ = factory.Server;
            var store = factory.Services.GetRequiredService<IAuditStore>();
            var app = ApiFixture.NewApplicationId();
            var seeding = Stopwatch.StartNew();
            var start = DateTime.UtcNow.AddDays(-30);
            for (var batch = 0; batch < Records / 1000; batch++)
            {
                var entries = Enumerable.Range(0, 1000).SelectMany(i =>
                {
                    var at = start.AddSeconds((batch * 1000) + i);
                    return new[] { Entry(AuditEntry.CompanyWide, at), Entry(app, at) };
                }).ToList();
                await store.AppendAsync(entries, CancellationToken.None);
            }

            seeding.Stop();
            var http = factory.CreateClient();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ApiFixture.TokenAsync(http, TestClients.Admin));
            const string trail = "/service/platform/user/v1.0/company/1001/audit";
            var lines = new List<string> { $"{Records:N0} company-wide records + {Records:N0} of one application, seeded in {seeding.Elapsed.TotalSeconds:0.0} s" };
            foreach (var (pageNo, pageSize) in new[] { (1, 10), (1, 100), (100, 100), (1000, 100) })
            {
                var samples = new List<double>();
                for (var i = 0; i < Repeats + 5; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    var body = await http.GetJsonAsync($"{trail}?page_no={pageNo}&page_size={pageSize}");
                    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    Assert.Equal(pageSize, body.GetProperty("items").GetArrayLength());
                    Assert.Equal(Records, body.GetProperty("page").GetProperty("item_total").GetInt64());
                    if (i >= 5)
                    {
                        samples.Add(elapsed); // the first five warm the caches
                    }
                }

                lines.Add($"page_no={pageNo} page_size={pageSize}: p50 {Percentile(samples, 0.5):0.00} ms, p95 {Percentile(samples, 0.95):0.00} ms");
            }

            Console.WriteLine(string.Join(Environment.NewLine, lines));
            TestContext.Current.TestOutputHelper?.WriteLine(string.Join(Environment.NewLine, lines));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static AuditEntry Entry(string application, DateTime at) => new()
    {
        Id = Ids.New(), CompanyId = "1001", ApplicationId = application, At = at, ExpiresAt = at.AddDays(365),
        ClientId = "tests-admin", Method = "PUT", Operation = "updateApiClient", RequestId = "measure", Status = 200,
        Resources = [new AuditResource("client_id", "measured-client")],
        Changes = [new AuditChange("description", "measured"), new AuditChange("scopes", """["user:read"]""")],
    };

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }
}
