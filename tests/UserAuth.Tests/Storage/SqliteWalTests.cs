using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using UserAuth.Api.Storage;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Tests.Storage;

/// <summary>
/// The SQLite WAL stays bounded under a steady flow of writes and reads: the writer starts it over once it passes
/// <see cref="SqliteDatabase.WalRestartBytes"/> (a soak had grown it to 20 GB in 10 minutes). A database of its own,
/// on a file of its own, so the WAL's size is this test's.
/// </summary>
public sealed class SqliteWalTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string folder = Path.Combine(Path.GetTempPath(), "userauth-wal-" + Guid.NewGuid().ToString("N")[..12]);
    private ServiceProvider services = null!;
    private SqliteDatabase database = null!;

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(folder);
        services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = new StorageOptions();
        options.Sqlite.Path = Path.Combine(folder, "wal.db");
        database = new SqliteDatabase(Options.Create(options), new Environment(folder), services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await database.DisposeAsync();
        await services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task The_wal_is_started_over_while_writes_and_reads_never_pause()
    {
        const long bound = 1024 * 1024;
        database.WalRestartBytes = bound;
        await database.EnsureCreatedAsync(None);
        await database.WriteCommandAsync("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB);", _ => { }, None);

        // Readers that always have a read transaction open somewhere, and writers that always have a write queued.
        using var stop = new CancellationTokenSource();
        var reading = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        var readers = reading.Select(started => Task.Run(async () =>
        {
            await using var connection = await database.OpenAsync(None);
            var reads = 0;
            while (!stop.IsCancellationRequested)
            {
                await using var transaction = connection.BeginTransaction(deferred: true);
                await using var count = SqliteDatabase.Command(connection, transaction, "SELECT COUNT(*) FROM t;");
                await count.ExecuteScalarAsync(None);
                await transaction.CommitAsync(None);
                reads++;
                started.TrySetResult();
            }

            return reads;
        })).ToList();
        await Task.WhenAll(reading.Select(r => r.Task));

        var wal = new FileInfo(database.FilePath + "-wal");
        long largest = 0;
        var blob = new byte[4 * 1024];
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 400; i++)
            {
                await database.WriteCommandAsync("INSERT INTO t (v) VALUES ($v);", command => command.Parameters.AddWithValue("$v", blob), None);
                wal.Refresh();
                var size = wal.Exists ? wal.Length : 0;
                long seen;
                while (size > (seen = Interlocked.Read(ref largest)) && Interlocked.CompareExchange(ref largest, size, seen) != seen)
                {
                }

                await Task.Delay(5, None); // a steady flow, as requests make it, rather than one burst
            }
        })).ToList();
        await Task.WhenAll(writers);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        // 3,200 rows of 4 KiB (about 2 pages each: over 25 MiB of WAL frames) through a WAL bounded at 1 MiB, while
        // readers always hold a snapshot. The WAL file is never cut below the journal size limit, so its size is the
        // largest it ever was: the bound plus what came in before the checkpointer and the writer acted, not the whole
        // of it, as when it is never started over.
        Assert.True(database.WalRestarts > 0, "the WAL was never started over");
        Assert.True(largest < 8 * bound, $"the WAL grew to {largest / 1024} KiB with a bound of {bound / 1024} KiB");
    }

    private sealed class Environment(string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";

        public string ApplicationName { get; set; } = "UserAuth.Tests";

        public string ContentRootPath { get; set; } = root;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
