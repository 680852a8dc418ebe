using Microsoft.Extensions.Options;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// Readiness of the embedded store: writes one row of <c>health_probe</c> and commits, so the probe needs what every
/// write needs (the write lock within the check's time, room in the file system) and fails when writes would.
/// </summary>
internal sealed class SqliteStoreProbe(SqliteDatabase database, IOptions<StorageOptions> options, TimeProvider clock)
    : IStoreProbe, IStoreInitializer
{
    public string Provider => "sqlite";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteDatabase.ExecuteAsync(connection,
            "CREATE TABLE IF NOT EXISTS health_probe (id INTEGER PRIMARY KEY, checked_at TEXT NOT NULL);", cancellationToken);
    }

    public async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandTimeout = options.Value.HealthCheckTimeoutSeconds;
        command.CommandText = """
            INSERT INTO health_probe (id, checked_at) VALUES (1, $at)
            ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at;
            """;
        command.Parameters.AddWithValue("$at", Common.UtcDateTimeConverter.ToWire(clock.GetUtcNow().UtcDateTime));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return null;
    }
}
