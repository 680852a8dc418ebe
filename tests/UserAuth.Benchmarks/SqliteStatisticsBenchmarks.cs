using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Benchmarks;

/// <summary>
/// A what-if for docs/BENCHMARKS.md: the filtered listings with and without SQLite planner statistics. The service
/// never runs <c>ANALYZE</c>, so SQLite plans the listing queries without statistics (Analyze=False is what ships);
/// Analyze=True runs <c>ANALYZE</c> once on the benchmark's copy of the seeded database before the service starts.
/// </summary>
[Config(typeof(BenchConfig))]
[MemoryDiagnoser]
[BenchmarkCategory("sqlite-stats")]
public class SqliteStatisticsBenchmarks
{
    private BenchHost host = null!;
    private UserService users = null!;
    private Workload work = null!;

    [Params(false, true)]
    public bool Analyze { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        host = await BenchHost.StartAsync(Analyze ? RunAnalyzeAsync : null);
        users = host.Services.GetRequiredService<UserService>();
        work = new Workload((await SeedDatabase.GetAsync()).Users);
    }

    private static async Task RunAnalyzeAsync(string path)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "ANALYZE;";
        await command.ExecuteNonQueryAsync();
    }

    [GlobalCleanup]
    public async Task Cleanup() => await host.DisposeAsync();

    private async Task<long> List(string? q)
    {
        var (items, total) = await users.ListAsync(BenchHost.Tenant, q, new PageRequest(1, 10), CancellationToken.None);
        return items.Count + total;
    }

    [Benchmark(Description = "ListAsync page 1")]
    public Task<long> Stats_List_Page1() => List(null);

    [Benchmark(Description = "ListAsync q=email")]
    public Task<long> Stats_List_Email() => List(work.EmailQuery);

    [Benchmark(Description = "ListAsync q=username prefix")]
    public Task<long> Stats_List_Prefix() => List(work.PrefixQuery);
}
