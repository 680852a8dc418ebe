using Microsoft.Data.Sqlite;
using UserAuth.Api.Features.Idempotency;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// Idempotency keys in <c>idempotency_keys</c>, keyed by (company, application, client, key); times as Unix
/// milliseconds. A claim is one upsert that replaces a row only when it expired or its lease ran out, so two instances
/// over one file never both hold a key. Expired rows are ignored by every read and removed by the sweeper.
/// </summary>
internal sealed class SqliteIdempotencyStore(SqliteDatabase database) : IIdempotencyStore, IStoreInitializer
{
    private const string KeyWhere =
        "company_id = $company AND application_id = $application AND client_id = $client AND idempotency_key = $key";

    private const string Columns = "fingerprint, owner, lease_until, expires_at, status, content";

    public bool ExpiresByItself => false;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS idempotency_keys (
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                client_id TEXT NOT NULL,
                idempotency_key TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                owner TEXT NOT NULL,
                lease_until INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                status INTEGER,
                content TEXT,
                PRIMARY KEY (company_id, application_id, client_id, idempotency_key)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS ix_idempotency_keys_expiry ON idempotency_keys (expires_at);
            """, cancellationToken);
    }

    public Task<IdempotencyRecord?> ClaimAsync(IdempotencyScope scope, string fingerprint, string owner, DateTime now,
        DateTime leaseUntil, DateTime expiresAt, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction, ct) =>
        {
            var claim = SqliteDatabase.Prepared(connection, transaction, """
                INSERT INTO idempotency_keys (company_id, application_id, client_id, idempotency_key, fingerprint, owner,
                    lease_until, expires_at, status, content)
                VALUES ($company, $application, $client, $key, $fingerprint, $owner, $lease_until, $expires_at, NULL, NULL)
                ON CONFLICT (company_id, application_id, client_id, idempotency_key) DO UPDATE SET
                    fingerprint = excluded.fingerprint, owner = excluded.owner, lease_until = excluded.lease_until,
                    expires_at = excluded.expires_at, status = NULL, content = NULL
                WHERE idempotency_keys.expires_at <= $now
                   OR (idempotency_keys.status IS NULL AND idempotency_keys.lease_until <= $now);
                """);
            Bind(claim, scope);
            claim.Parameters.AddWithValue("$fingerprint", fingerprint);
            claim.Parameters.AddWithValue("$owner", owner);
            claim.Parameters.AddWithValue("$lease_until", Ms(leaseUntil));
            claim.Parameters.AddWithValue("$expires_at", Ms(expiresAt));
            claim.Parameters.AddWithValue("$now", Ms(now));
            if (await claim.ExecuteNonQueryAsync(ct) == 1)
            {
                return null;
            }

            var read = SqliteDatabase.Prepared(connection, transaction,
                $"SELECT {Columns} FROM idempotency_keys WHERE {KeyWhere};");
            Bind(read, scope);
            await using var reader = await read.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) ? Map(reader) : null;
        }, cancellationToken);

    public async Task<IdempotencyRecord?> FindAsync(IdempotencyScope scope, DateTime now, CancellationToken cancellationToken)
    {
        var found = await database.QueryAsync($"SELECT {Columns} FROM idempotency_keys WHERE {KeyWhere} AND expires_at > $now;",
            command =>
            {
                Bind(command, scope);
                command.Parameters.AddWithValue("$now", Ms(now));
            }, Map, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<bool> CompleteAsync(IdempotencyScope scope, string owner, StoredAnswer answer, DateTime expiresAt,
        CancellationToken cancellationToken) =>
        await database.WriteCommandAsync($"""
            UPDATE idempotency_keys SET status = $status, content = $content, expires_at = $expires_at
            WHERE {KeyWhere} AND owner = $owner AND status IS NULL;
            """, command =>
        {
            Bind(command, scope);
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$status", answer.Status);
            command.Parameters.AddWithValue("$content", answer.ProtectedContent);
            command.Parameters.AddWithValue("$expires_at", Ms(expiresAt));
        }, cancellationToken) == 1;

    public async Task ReleaseAsync(IdempotencyScope scope, string owner, CancellationToken cancellationToken) =>
        await database.WriteCommandAsync($"DELETE FROM idempotency_keys WHERE {KeyWhere} AND owner = $owner AND status IS NULL;",
            command =>
            {
                Bind(command, scope);
                command.Parameters.AddWithValue("$owner", owner);
            }, cancellationToken);

    public Task<int> DeleteExpiredAsync(DateTime now, int limit, CancellationToken cancellationToken) =>
        // Batched through the expiry index: SQLite builds without DELETE ... LIMIT.
        database.WriteCommandAsync("""
            DELETE FROM idempotency_keys WHERE (company_id, application_id, client_id, idempotency_key) IN (
                SELECT company_id, application_id, client_id, idempotency_key FROM idempotency_keys
                WHERE expires_at <= $now LIMIT $limit);
            """, command =>
        {
            command.Parameters.AddWithValue("$now", Ms(now));
            command.Parameters.AddWithValue("$limit", limit);
        }, cancellationToken);

    private static void Bind(SqliteCommand command, IdempotencyScope scope)
    {
        command.Parameters.AddWithValue("$company", scope.Tenant.CompanyId);
        command.Parameters.AddWithValue("$application", scope.Tenant.ApplicationId);
        command.Parameters.AddWithValue("$client", scope.ClientId);
        command.Parameters.AddWithValue("$key", scope.Key);
    }

    private static IdempotencyRecord Map(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        FromMs(reader.GetInt64(2)),
        FromMs(reader.GetInt64(3)),
        reader.IsDBNull(4) ? null : new StoredAnswer(reader.GetInt32(4), reader.GetString(5)));

    private static long Ms(DateTime value) => new DateTimeOffset(value, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static DateTime FromMs(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value).UtcDateTime;
}
