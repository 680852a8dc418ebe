using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// The embedded store: one file, WAL journal. Reads use a pooled connection per operation; writes go through
/// <see cref="WriteAsync{T}"/>: one writer connection in this process, so writers never contend for SQLite's lock
/// here, and the writes that arrive together are committed together (group commit).
/// </summary>
/// <remarks>
/// Why: SQLite lets one writer in at a time. With a connection per write, concurrent writers met SQLITE_BUSY, and
/// Microsoft.Data.Sqlite (which leaves SQLite's busy_timeout at 0) retries a busy statement only after sleeping
/// 150 ms, so concurrent writes queued in steps of 150 ms. Now writes queue in memory for the one writer, which
/// takes everything queued so far, runs each write in its own savepoint inside one <c>BEGIN IMMEDIATE</c>
/// transaction, commits once (one WAL sync for the group) and only then answers the writers. A write that fails is
/// rolled back to its savepoint alone; a failed commit fails the whole group, none of which is written. Every
/// connection sets <c>busy_timeout</c>, so a lock held by another process is waited for in SQLite's own short
/// steps, up to the configured time-out.
/// </remarks>
internal sealed class SqliteDatabase : IAsyncDisposable
{
    /// <summary>Most writes committed in one transaction.</summary>
    public const int MaxGroup = 128;

    /// <summary>Idle read connections kept with their prepared statements.</summary>
    public const int MaxIdleReaders = 16;

    /// <summary>
    /// How often, at most, the checkpointer copies the WAL into the database file while writes come in. The writer
    /// does not checkpoint (see <see cref="CheckpointLoopAsync"/>).
    /// </summary>
    public static readonly TimeSpan CheckpointInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The WAL file is cut back to this size when it starts over (<c>journal_size_limit</c>).</summary>
    public const long WalSizeLimitBytes = 64L * 1024 * 1024;

    /// <summary>How long the writer waits, at most, for readers still on the WAL when it starts the WAL over.</summary>
    private const int WalRestartWaitMs = 250;

    /// <summary>Each page in the WAL is preceded by a frame header of this size.</summary>
    private const long WalFrameHeaderBytes = 24;

    private readonly string connectionString;
    private readonly int busyTimeoutMs;
    private readonly bool singleWriter;
    private readonly string synchronous;
    private readonly ConcurrentQueue<PreparedConnection> readers = new();
    private int idleReaders;
    private readonly Channel<PendingWrite> queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock startGate = new();
    private Task? writer;
    private Task? checkpointer;
    private readonly SemaphoreSlim committed = new(0, 1);
    private readonly CancellationTokenSource closing = new();
    private long checkpoints;
    private long walRestarts;
    private volatile bool walRestartWanted;
    private PreparedConnection? writerConnection;
    private volatile bool disposed;
    private long commits;
    private long writes;
    private readonly Histogram<int> groupSizes;
    private readonly Histogram<double> commitDurations;

    public SqliteDatabase(IOptions<StorageOptions> options, IHostEnvironment environment, IMeterFactory meters)
    {
        // The writer's groups, on the service's meter: how many writes each commit carried and how long the COMMIT
        // (the WAL sync) took, so the group commit can be read from /metrics under load.
        var meter = meters.Create(Common.ServiceMetrics.MeterName);
        meter.CreateObservableCounter("userauth.sqlite.writer.commits", () => Interlocked.Read(ref commits), "{transaction}",
            "Transactions committed by the SQLite writer.");
        meter.CreateObservableCounter("userauth.sqlite.writer.writes", () => Interlocked.Read(ref writes), "{write}",
            "Writes committed by the SQLite writer (writes / commits is the mean group size).");
        groupSizes = meter.CreateHistogram("userauth.sqlite.writer.group_size", "{write}",
            "Writes committed together in one transaction of the SQLite writer.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128] });
        commitDurations = meter.CreateHistogram("userauth.sqlite.writer.commit.duration", "s",
            "Duration of the SQLite writer's COMMIT (with synchronous=FULL, the WAL sync).",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
            });
        var path = options.Value.Sqlite.Path;
        FilePath = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(environment.ContentRootPath, path);
        // A lock held by another process is waited for this long, then the request is answered 503 (Storage:OperationTimeoutSeconds).
        var timeoutSeconds = options.Value.OperationTimeoutSeconds;
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = timeoutSeconds,
        }.ToString();
        busyTimeoutMs = timeoutSeconds * 1000;
        singleWriter = options.Value.Sqlite.SingleWriter;
        synchronous = options.Value.Sqlite.Synchronous == SqliteSynchronous.Normal ? "NORMAL" : "FULL";
    }

    public string FilePath { get; }

    /// <summary>Transactions committed by the writer, and the writes they held (their ratio is the group size).</summary>
    public (long Commits, long Writes) WriterStatistics => (Interlocked.Read(ref commits), Interlocked.Read(ref writes));

    /// <summary>Checkpoints run by the checkpointer (see <see cref="CheckpointLoopAsync"/>).</summary>
    public long Checkpoints => Interlocked.Read(ref checkpoints);

    /// <summary>Times the writer started the WAL over (see <see cref="RestartWal"/>).</summary>
    public long WalRestarts => Interlocked.Read(ref walRestarts);

    /// <summary>
    /// The WAL's size (its frames since it last started over) past which the writer starts it over
    /// (<see cref="RestartWal"/>); <see cref="WalSizeLimitBytes"/> unless a test sets it lower.
    /// </summary>
    public long WalRestartBytes { get; set; } = WalSizeLimitBytes;

    /// <summary>A pooled connection for reads (or for start-up work before requests arrive).</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        // SQLite's own busy handler (short sleeps) for locks held by other processes; a native call, no statement.
        SQLitePCL.raw.sqlite3_busy_timeout(connection.Handle, busyTimeoutMs);
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> as one atomic write on the writer connection, inside a transaction shared with the
    /// writes queued alongside it, and returns its result once that transaction is committed. The work must use only
    /// the connection and transaction it is given (<see cref="Command"/>) and must not wait for other writes. If it
    /// throws, its changes are rolled back and the exception is thrown here; the other writes are not affected.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> work,
        CancellationToken cancellationToken)
    {
        if (!singleWriter)
        {
            return WriteAloneAsync(SqliteEnlistment.Carry(work), cancellationToken);
        }

        var write = new PendingWrite<T>(SqliteEnlistment.Carry(work), cancellationToken);
        EnsureWriter();
        if (!queue.Writer.TryWrite(write))
        {
            throw new StoreUnavailableException("The SQLite store is shutting down.");
        }

        return write.Task;
    }

    /// <summary>
    /// <c>Storage:Sqlite:SingleWriter = false</c>, for measuring only: the write as the store made it before the
    /// single writer, on a pooled connection of its own in its own <c>BEGIN IMMEDIATE</c> transaction, with
    /// Microsoft.Data.Sqlite's handling of a busy database (<c>busy_timeout</c> 0; a busy statement is retried after
    /// sleeping 150 ms, up to the command time-out).
    /// </summary>
    private async Task<T> WriteAloneAsync<T>(Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> work,
        CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var result = await work(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <inheritdoc cref="WriteAsync{T}"/>
    public Task WriteAsync(Func<SqliteConnection, SqliteTransaction, CancellationToken, Task> work, CancellationToken cancellationToken) =>
        WriteAsync<bool>(async (connection, transaction, ct) =>
        {
            await work(connection, transaction, ct);
            return true;
        }, cancellationToken);

    /// <summary>
    /// One statement as a write (see <see cref="WriteAsync{T}"/>): <paramref name="bind"/> sets its parameters;
    /// returns the rows it changed.
    /// </summary>
    public Task<int> WriteCommandAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, transaction, ct) =>
        {
            var command = Prepared(connection, transaction, sql);
            bind(command);
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);

    /// <summary>Runs a query on a read connection with its statement prepared once, and maps every row it answers.</summary>
    public Task<List<T>> QueryAsync<T>(string sql, Action<SqliteCommand> bind, Func<SqliteDataReader, T> map,
        CancellationToken cancellationToken) =>
        ReadAsync(async (reader, ct) =>
        {
            var command = reader.Prepared(sql);
            bind(command);
            var rows = new List<T>();
            await using var rowReader = await command.ExecuteReaderAsync(ct);
            while (await rowReader.ReadAsync(ct))
            {
                rows.Add(map(rowReader));
            }

            return rows;
        }, cancellationToken);

    /// <summary>Runs a query that answers one integer (a <c>SELECT COUNT(*)</c>) on a read connection.</summary>
    public Task<long> CountAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        ReadAsync(async (reader, ct) =>
        {
            var command = reader.Prepared(sql);
            bind(command);
            return (long)(await command.ExecuteScalarAsync(ct))!;
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> on a read connection lent for its duration: an idle one when there is one, with
    /// the statements it prepared before (Microsoft.Data.Sqlite prepares the SQL of every new command again; the
    /// profile of a lookup had a tenth of its time there). The work must not keep the connection or its commands.
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<PreparedConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (readers.TryDequeue(out var reader))
        {
            Interlocked.Decrement(ref idleReaders);
        }
        else
        {
            reader = new PreparedConnection(await OpenAsync(cancellationToken));
        }

        T result;
        try
        {
            result = await work(reader, cancellationToken);
        }
        catch
        {
            // A failed read may have left a statement mid-way: the connection is not lent again.
            await reader.DisposeAsync();
            throw;
        }

        // (The count is approximate under races; it only bounds how many idle connections are kept.)
        if (!disposed && Interlocked.Increment(ref idleReaders) <= MaxIdleReaders)
        {
            readers.Enqueue(reader);
            if (disposed && readers.TryDequeue(out var late))
            {
                await late.DisposeAsync();
            }
        }
        else
        {
            Interlocked.Decrement(ref idleReaders);
            await reader.DisposeAsync();
        }

        return result;
    }

    /// <summary>
    /// The command for <paramref name="sql"/> prepared on <paramref name="connection"/> when it is the writer's
    /// connection (the writes of <see cref="WriteAsync{T}"/>), with no parameters and in <paramref name="transaction"/>;
    /// a new command otherwise. Not to be disposed by the caller: the connection owns it.
    /// </summary>
    public static SqliteCommand Prepared(SqliteConnection connection, SqliteTransaction? transaction, string sql) =>
        PreparedConnection.Of(connection) is { } prepared ? prepared.Prepared(sql, transaction) : Command(connection, transaction, sql);

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var folder = System.IO.Path.GetDirectoryName(FilePath);
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            await using var connection = await OpenAsync(cancellationToken);
            await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new StoreUnavailableException($"The SQLite database at '{FilePath}' cannot be opened: {e.Message}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        while (readers.TryDequeue(out var reader))
        {
            await reader.DisposeAsync();
        }

        queue.Writer.TryComplete();
        if (writer is not null)
        {
            await writer;
        }

        await closing.CancelAsync();
        ReleaseCheckpointer();
        if (checkpointer is not null)
        {
            await checkpointer;
        }

        closing.Dispose();

        if (writerConnection is not null)
        {
            await writerConnection.DisposeAsync();
        }
    }

    /// <summary>A command on <paramref name="connection"/> in <paramref name="transaction"/>.</summary>
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    public static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken,
        SqliteTransaction? transaction = null)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>SQLite's answer to a UNIQUE or PRIMARY KEY violation.</summary>
    public static bool IsUniqueViolation(SqliteException e) => e.SqliteErrorCode == 19 &&
        (e.SqliteExtendedErrorCode == 2067 || e.SqliteExtendedErrorCode == 1555);

    /// <summary><c>$p0, $p1, ...</c> for an IN list of <paramref name="count"/> values.</summary>
    public static string Placeholders(string prefix, int count) =>
        string.Join(", ", Enumerable.Range(0, count).Select(i => prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static void BindList(SqliteCommand command, string prefix, IEnumerable<string> values)
    {
        var i = 0;
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(prefix + (i++).ToString(System.Globalization.CultureInfo.InvariantCulture), value);
        }
    }

    private void EnsureWriter()
    {
        if (writer is not null)
        {
            return;
        }

        lock (startGate)
        {
            checkpointer ??= Task.Run(CheckpointLoopAsync);
            writer ??= Task.Run(WriteLoopAsync);
        }
    }

    private async Task WriteLoopAsync()
    {
        var group = new List<PendingWrite>(MaxGroup);
        while (await queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroup && queue.Reader.TryRead(out var write))
            {
                if (!write.CancelIfRequested())
                {
                    group.Add(write);
                }
            }

            if (walRestartWanted)
            {
                RestartWal();
            }

            if (group.Count > 0)
            {
                await CommitGroupAsync(group);
            }
        }
    }

    private async Task CommitGroupAsync(List<PendingWrite> group)
    {
        var done = new List<PendingWrite>(group.Count);
        try
        {
            writerConnection ??= await OpenWriterAsync();
            var connection = writerConnection.Connection;
            await using var transaction = connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE
            foreach (var write in group)
            {
                transaction.Save("w");
                try
                {
                    await write.RunAsync(connection, transaction);
                    transaction.Release("w");
                    done.Add(write);
                }
                catch (Exception e) when (e is not SqliteException { SqliteErrorCode: 10 or 11 or 13 })
                {
                    // Only this write's changes go; an I/O error, a corrupt file or a full disk fails the group below.
                    transaction.Rollback("w");
                    transaction.Release("w");
                    write.Fail(e);
                }
            }

            var committing = Stopwatch.GetTimestamp();
            await transaction.CommitAsync(CancellationToken.None);
            commitDurations.Record(Stopwatch.GetElapsedTime(committing).TotalSeconds);
            groupSizes.Record(done.Count);
            Interlocked.Increment(ref commits);
            Interlocked.Add(ref writes, done.Count);
            ReleaseCheckpointer();
            foreach (var write in done)
            {
                write.Complete();
            }
        }
        catch (Exception e)
        {
            // Nothing of the group is written: everyone still waiting learns why, and the next group starts afresh.
            foreach (var write in group)
            {
                write.Fail(e);
            }

            if (writerConnection is not null)
            {
                await writerConnection.DisposeAsync();
                writerConnection = null;
            }
        }
    }

    /// <summary>Tells the checkpointer that there is something to copy (or that the store is closing).</summary>
    private void ReleaseCheckpointer()
    {
        if (committed.CurrentCount == 0)
        {
            try
            {
                committed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another commit told it first.
            }
        }
    }

    /// <summary>
    /// Starts the WAL over, between two groups of the writer, when the checkpointer found it past
    /// <see cref="WalRestartBytes"/>. Why: a passive checkpoint copies the WAL into the database file but never starts it
    /// over; SQLite does that only when a write begins after a checkpoint copied everything, which under a steady flow
    /// of commits (the next group begins right after the last commit) almost never happens: the WAL then grew without
    /// bound (20 GB in a 10-minute soak of mixed reads and writes at 2,100 requests/s), and with it the disk written and
    /// the page cache it took from the database file, so the soak's throughput halved. A RESTART checkpoint on the
    /// writer's connection (no other writer to wait for) copies what the passive ones left, waits at most
    /// <see cref="WalRestartWaitMs"/> for readers still on the WAL, and makes the next write start it over from the
    /// beginning (the file is then cut to <see cref="WalSizeLimitBytes"/>). When readers hold it longer, the
    /// checkpointer asks again after its next pass.
    /// </summary>
    private void RestartWal()
    {
        walRestartWanted = false;
        if (writerConnection is not { } writing)
        {
            return;
        }

        var handle = writing.Connection.Handle;
        SQLitePCL.raw.sqlite3_busy_timeout(handle, WalRestartWaitMs);
        try
        {
            if (SQLitePCL.raw.sqlite3_wal_checkpoint_v2(handle, "main", SQLitePCL.raw.SQLITE_CHECKPOINT_RESTART, out _, out _) ==
                SQLitePCL.raw.SQLITE_OK)
            {
                Interlocked.Increment(ref walRestarts);
            }
        }
        finally
        {
            SQLitePCL.raw.sqlite3_busy_timeout(handle, busyTimeoutMs);
        }
    }

    /// <summary>
    /// Copies the WAL into the database file on a connection of its own, at most every <see cref="CheckpointInterval"/>
    /// while commits come in. Why: SQLite otherwise checkpoints inside the COMMIT that takes the WAL past 1,000 pages,
    /// so every few hundred groups one group waited for a checkpoint (the pages copied and two more disk syncs) before
    /// its writers were answered: the tail of createUser. A passive checkpoint takes no lock the writer needs, so the
    /// writer keeps committing meanwhile. (SQLite still checkpoints when the last connection closes.)
    /// </summary>
    private async Task CheckpointLoopAsync()
    {
        SqliteConnection? connection = null;
        var pageBytes = 4096L;
        try
        {
            while (!disposed)
            {
                await committed.WaitAsync();
                if (disposed)
                {
                    break;
                }

                try
                {
                    if (connection is null)
                    {
                        // A connection that has not read the database yet has not opened its WAL: a checkpoint on it
                        // is a no-op (it answers OK and -1 frames). Reading the journal mode opens it.
                        connection = await OpenAsync(CancellationToken.None);
                        await using var mode = Command(connection, null, "PRAGMA journal_mode;");
                        await mode.ExecuteScalarAsync();
                        await using var size = Command(connection, null, "PRAGMA page_size;");
                        pageBytes = (long)(await size.ExecuteScalarAsync())!;
                    }

                    // PASSIVE: copies what no reader still needs, waits for no one; busy (a checkpoint of another
                    // process) only means the next round copies it. A WAL grown past the bound is started over by the
                    // writer (RestartWal).
                    SQLitePCL.raw.sqlite3_wal_checkpoint_v2(connection.Handle, "main", SQLitePCL.raw.SQLITE_CHECKPOINT_PASSIVE, out var frames, out _);
                    Interlocked.Increment(ref checkpoints);
                    if (frames * (pageBytes + WalFrameHeaderBytes) > WalRestartBytes)
                    {
                        walRestartWanted = true;
                    }
                }
                catch (Exception e) when (e is SqliteException or IOException)
                {
                    // The file is unavailable: the writer's own commits report it; try again after the next commit.
                    connection?.Dispose();
                    connection = null;
                }

                await Task.Delay(CheckpointInterval, closing.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    /// <summary>
    /// The writer's connection. <c>synchronous</c> (Storage:Sqlite:Synchronous): FULL (the default) syncs the WAL at
    /// every commit, so an answered write survives a power loss; NORMAL syncs only at checkpoints, so it survives a
    /// crash of the process but the last commits can be lost on a power loss or a kernel crash.
    /// </summary>
    private async Task<PreparedConnection> OpenWriterAsync()
    {
        var connection = await OpenAsync(CancellationToken.None);
        // No checkpoint inside a COMMIT: the checkpointer does it beside the writer (CheckpointLoopAsync).
        await ExecuteAsync(connection, $"PRAGMA synchronous = {synchronous}; PRAGMA wal_autocheckpoint = 0; " +
            $"PRAGMA journal_size_limit = {WalSizeLimitBytes};", CancellationToken.None);
        return new PreparedConnection(connection);
    }

    private abstract class PendingWrite
    {
        public abstract bool CancelIfRequested();

        public abstract Task RunAsync(SqliteConnection connection, SqliteTransaction transaction);

        public abstract void Complete();

        public abstract void Fail(Exception e);
    }

    private sealed class PendingWrite<T>(Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> work,
        CancellationToken cancellationToken) : PendingWrite
    {
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? result;

        public Task<T> Task => completion.Task;

        public override bool CancelIfRequested() =>
            cancellationToken.IsCancellationRequested && completion.TrySetCanceled(cancellationToken);

        public override async Task RunAsync(SqliteConnection connection, SqliteTransaction transaction) =>
            result = await work(connection, transaction, cancellationToken);

        public override void Complete() => completion.TrySetResult(result!);

        public override void Fail(Exception e)
        {
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                completion.TrySetCanceled(cancellationToken);
            }
            else
            {
                completion.TrySetException(e);
            }
        }
    }
}
