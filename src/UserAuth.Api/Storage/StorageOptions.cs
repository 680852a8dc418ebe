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
