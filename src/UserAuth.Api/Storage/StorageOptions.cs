using System.ComponentModel.DataAnnotations;

namespace UserAuth.Api.Storage;

public enum StorageProvider
{
    Sqlite,
    MongoDb,
}

internal sealed class StorageOptions
{
    public const string Section = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// How long one store operation may wait for a busy store (SQLite's lock held by another process) or for a MongoDB
    /// primary before the request is answered 503 with <c>Retry-After</c>.
    /// </summary>
    [Range(1, 60)]
    public int OperationTimeoutSeconds { get; set; } = 5;

    /// <summary>The <c>Retry-After</c> of a 503 answered because the store is busy, full or unreachable.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 5;

    /// <summary>How long the readiness probe of the store may take before it reports the store unhealthy.</summary>
    [Range(1, 60)]
    public int HealthCheckTimeoutSeconds { get; set; } = 3;

    public SqliteStorageOptions Sqlite { get; set; } = new();

    public MongoStorageOptions MongoDb { get; set; } = new();
}

internal sealed class SqliteStorageOptions
{
    /// <summary>The database file; relative paths are under the content root.</summary>
    [Required]
    public string Path { get; set; } = "data/userauth.db";

    /// <summary>
    /// SQLite's <c>synchronous</c> on the writer's connection (WAL journal). <c>Full</c> (the default): every commit
    /// syncs the WAL to disk before the writes are answered, so nothing answered is lost on a crash of the process, the
    /// kernel or the power. <c>Normal</c>: commits are not synced (only checkpoints are), which removes a disk sync
    /// from every group of writes; an answered write survives a crash of the process, but the last commits can be
    /// lost on a power loss or a kernel crash. Only for deployments that accept that (docs/BENCHMARKS.md).
    /// </summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Full;

    /// <summary>
    /// All writes of this process through one writer connection with group commit (the default). <c>false</c> is
    /// for measuring only (the load suite's before/after of issue 10 item 5): every write on a pooled connection of
    /// its own, contending for SQLite's lock as before the single writer.
    /// </summary>
    public bool SingleWriter { get; set; } = true;
}

internal enum SqliteSynchronous
{
    Full,
    Normal,
}

internal sealed class MongoStorageOptions
{
    public string ConnectionString { get; set; } = "";

    public string Database { get; set; } = "userauth";

    /// <summary>How long start-up waits for the server before failing.</summary>
    [Range(1, 300)]
    public int ConnectTimeoutSeconds { get; set; } = 15;

    /// <summary>
    /// How long start-up waits for one collection's indexes (check, create, drop retired) before failing with a message;
    /// a build still running on the server goes on. Build indexes ahead on large collections (docs/MONGODB.md).
    /// </summary>
    [Range(1, 86400)]
    public int IndexTimeoutSeconds { get; set; } = 120;
}
