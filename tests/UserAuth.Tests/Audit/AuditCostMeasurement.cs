using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Audit;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Audit;

/// <summary>
/// What the audit trail costs on the write path: createUser through HTTP (in-memory server, embedded SQLite store,
/// sequential) on two hosts, one with <c>Audit:Enabled=false</c>, in alternating rounds in one run so both see the same
/// machine. Not in CI (a measurement, not a test): <c>USERAUTH_MEASURE_AUDIT=1 dotnet test tests/UserAuth.Tests -c Release
/// --filter FullyQualifiedName~AuditCostMeasurement</c>; prints the figures and writes them to
/// <c>$USERAUTH_MEASURE_AUDIT_OUT</c> when set. docs/BENCHMARKS.md, "Audit trail", has the last run.
/// </summary>
public sealed class AuditCostMeasurement
{
    private const int Rounds = 6;
    private const int PerRound = 300;

    [Fact]
    public async Task CreateUser_with_and_without_the_audit_trail()
    {
        if (Environment.GetEnvironmentVariable("USERAUTH_MEASURE_AUDIT") != "1")
        {
            Assert.Skip("A measurement, not a test: set USERAUTH_MEASURE_AUDIT=1 to run it.");
        }

        var folder = Path.Combine(Path.GetTempPath(), "userauth-audit-cost-" + Guid.NewGuid().ToString("N")[..8]);
        await using var on = Host(Path.Combine(folder, "on.db"), true);
        await using var off = Host(Path.Combine(folder, "off.db"), false);
        var clients = new[] { await ClientAsync(on), await ClientAsync(off) };
        var app = ApiFixture.NewApplicationId();
        var samples = new[] { new List<double>(), new List<double>() };
        foreach (var http in clients)
        {
            await CreateAsync(http, app, 100, null); // warm-up
        }

        for (var round = 0; round < Rounds; round++)
        {
            // Alternate which host goes first, so neither always runs on a warmer machine.
            foreach (var which in round % 2 == 0 ? new[] { 0, 1 } : [1, 0])
            {
                await CreateAsync(clients[which], app, PerRound, samples[which]);
            }
        }

        // The record's own write, alone: one completion with nothing written ahead (one record appended, the SQLite
        // writer's transaction).
        var audit = on.Services.GetRequiredService<AuditService>();
        var direct = new List<double>();
        for (var i = 0; i < 2000; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await audit.CompleteAsync(AuditWriteAhead.Stored, [], [Entry(app)]);
            direct.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var report = $"createUser, SQLite, in-memory HTTP, sequential, {Rounds} x {PerRound} per side: " +
                     $"with audit mean {Mean(samples[0]):0.000} ms, 90%-trimmed mean {Trimmed(samples[0]):0.000}, p50 {Percentile(samples[0], 0.5):0.000}, p99 {Percentile(samples[0], 0.99):0.000}; " +
                     $"without mean {Mean(samples[1]):0.000} ms, 90%-trimmed mean {Trimmed(samples[1]):0.000}, p50 {Percentile(samples[1], 0.5):0.000}, p99 {Percentile(samples[1], 0.99):0.000}; " +
                     $"difference of p50 {Percentile(samples[0], 0.5) - Percentile(samples[1], 0.5):0.000} ms, of trimmed means {Trimmed(samples[0]) - Trimmed(samples[1]):0.000} ms. " +
                     $"One audit record written alone (2000 times): mean {Mean(direct):0.000} ms, p50 {Percentile(direct, 0.5):0.000}, p99 {Percentile(direct, 0.99):0.000}";
        Console.WriteLine(report);
        if (Environment.GetEnvironmentVariable("USERAUTH_MEASURE_AUDIT_OUT") is { Length: > 0 } file)
        {
            await File.WriteAllTextAsync(file, report + Environment.NewLine);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private static ApiFactory Host(string path, bool audit)
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Provider"] = "Sqlite";
        settings["Storage:Sqlite:Path"] = path;
        settings["Audit:Enabled"] = audit ? "true" : "false";
        var factory = new ApiFactory(settings);
        _ = factory.Server;
        return factory;
    }

    private static async Task<HttpClient> ClientAsync(ApiFactory factory)
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ApiFixture.TokenAsync(http, TestClients.Main));
        return http;
    }

    private static async Task CreateAsync(HttpClient http, string app, int count, List<double>? samples)
    {
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await http.PostAsync($"{Http.App(app)}/customers", Http.Json(Build.User()));
            response.EnsureSuccessStatusCode();
            samples?.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static AuditEntry Entry(string app) => new()
    {
        Id = Ids.New(), CompanyId = "1001", ApplicationId = app, UserId = Ids.New(), At = DateTime.UtcNow, ClientId = "tests-main",
        Method = "POST", Operation = "createUser", RequestId = "measure", Status = 200,
        Resources = [new AuditResource("user_id", Ids.New())],
        Changes = [new AuditChange("username", AuditEntry.Masked), new AuditChange("gender", "male")],
    };

    private static double Mean(List<double> values) => values.Average();

    /// <summary>The mean without the slowest 10 % (stalls from other processes on a shared machine).</summary>
    private static double Trimmed(List<double> values) => values.Order().Take((int)(values.Count * 0.9)).Average();

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
    }
}
