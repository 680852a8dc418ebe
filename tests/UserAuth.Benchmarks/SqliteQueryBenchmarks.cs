using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace UserAuth.Benchmarks;

/// <summary>
/// Attribution only: the two statements of an unfiltered getCustomers page, run bare through Microsoft.Data.Sqlite
/// (the adapter's pooled connection settings, no JSON), so docs/BENCHMARKS.md can split a listing's time between the
/// COUNT, the page query and the service's own work. The SQL is copied from SqliteUserStore.ListAsync.
/// </summary>
[Config(typeof(BenchConfig))]
[MemoryDiagnoser]
[BenchmarkCategory("sql")]
public class SqliteQueryBenchmarks
{
    private const string Where = "company_id = $company AND application_id = $application AND listed = 1";

    private BenchHost host = null!;
    private string connectionString = "";

    [GlobalSetup]
    public async Task Setup()
    {
        host = await BenchHost.StartAsync();
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = host.DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        await host.CheckAsync(async () =>
        {
            if (await Sql_Count() != SeedDatabase.UserCount || await Sql_Page(0) != 10 || await Sql_Page(9_990) != 10)
            {
                throw new InvalidOperationException("The seeded listing is not what the benchmarks expect.");
            }
        });
    }

    [GlobalCleanup]
    public async Task Cleanup() => await host.DisposeAsync();

    private async Task<SqliteCommand> CommandAsync(SqliteConnection connection, string sql)
    {
        await connection.OpenAsync();
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$company", BenchHost.CompanyId);
        command.Parameters.AddWithValue("$application", BenchHost.ApplicationId);
        return command;
    }

    [Benchmark(Description = "SQL COUNT(*) of the listing")]
    public async Task<long> Sql_Count()
    {
        await using var connection = new SqliteConnection(connectionString);
        await using var command = await CommandAsync(connection, $"SELECT COUNT(*) FROM users WHERE {Where};");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<int> Sql_Page(int skip)
    {
        await using var connection = new SqliteConnection(connectionString);
        await using var command = await CommandAsync(connection,
            $"SELECT doc FROM users WHERE {Where} ORDER BY created_at DESC, id DESC LIMIT $take OFFSET $skip;");
        command.Parameters.AddWithValue("$take", 10);
        command.Parameters.AddWithValue("$skip", skip);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            _ = reader.GetString(0);
            rows++;
        }

        return rows;
    }

    [Benchmark(Description = "SQL page 1 x10 docs")]
    public Task<int> Sql_Page1() => Sql_Page(0);

    [Benchmark(Description = "SQL page 1000 x10 docs (OFFSET 9990)")]
    public Task<int> Sql_Page1000() => Sql_Page(9_990);
}
