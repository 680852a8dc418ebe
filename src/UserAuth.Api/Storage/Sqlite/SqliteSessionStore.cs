using Microsoft.Data.Sqlite;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Sessions;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// Sessions in <c>user_sessions</c>, one column per field. Expired rows are ignored by every query (<c>expires_at &gt;
/// now</c>) and removed by <see cref="ExpiredSessionSweeper"/>. Dates are ISO-8601 UTC text with milliseconds, which
/// sort as they compare.
/// </summary>
internal sealed class SqliteSessionStore(SqliteDatabase database) : ISessionStore, IStoreInitializer
{
    private const string Columns =
        "id, company_id, application_id, user_id, sid_hash, domain, ip, user_agent, max_age, created_at, expires_at, " +
        "revoked_at, revoked_by, revoke_reason, revocation_id, user_epoch";

    private const string TenantWhere = "company_id = $company AND application_id = $application";
    private const string LiveWhere = "revoked_at IS NULL AND expires_at > $now";

    public bool ExpiresByItself => false;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS user_sessions (
                id TEXT NOT NULL,
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                sid_hash TEXT NOT NULL,
                domain TEXT NOT NULL,
                ip TEXT,
                user_agent TEXT,
                max_age INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                revoked_at TEXT,
                revoked_by TEXT,
                revoke_reason TEXT,
                revocation_id TEXT,
                user_epoch INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (company_id, application_id, id)
            );
            CREATE UNIQUE INDEX IF NOT EXISTS ux_user_sessions_sid_hash ON user_sessions (sid_hash);
            CREATE INDEX IF NOT EXISTS ix_user_sessions_user ON user_sessions (company_id, application_id, user_id, expires_at);
            CREATE INDEX IF NOT EXISTS ix_user_sessions_expiry ON user_sessions (expires_at);
            """, cancellationToken);

        // Databases created before sessions carried the user's sign-in generation get the column (0, the users' start).
        await using var columns = connection.CreateCommand();
        columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('user_sessions') WHERE name = 'user_epoch';";
        if ((long)(await columns.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            await SqliteDatabase.ExecuteAsync(connection,
                "ALTER TABLE user_sessions ADD COLUMN user_epoch INTEGER NOT NULL DEFAULT 0;", cancellationToken);
        }
    }

    public async Task InsertAsync(UserSession session, CancellationToken cancellationToken)
    {
        await database.WriteCommandAsync($"""
            INSERT INTO user_sessions ({Columns}) VALUES ($id, $company, $application, $user, $sid_hash, $domain, $ip,
                $user_agent, $max_age, $created_at, $expires_at, $revoked_at, $revoked_by, $revoke_reason, $revocation_id, $user_epoch);
            """, command =>
        {
            command.Parameters.AddWithValue("$id", session.Id);
            command.Parameters.AddWithValue("$company", session.CompanyId);
            command.Parameters.AddWithValue("$application", session.ApplicationId);
            command.Parameters.AddWithValue("$user", session.UserId);
            command.Parameters.AddWithValue("$sid_hash", session.SidHash);
            command.Parameters.AddWithValue("$domain", session.Domain);
            command.Parameters.AddWithValue("$ip", (object?)session.Ip ?? DBNull.Value);
            command.Parameters.AddWithValue("$user_agent", (object?)session.UserAgent ?? DBNull.Value);
            command.Parameters.AddWithValue("$max_age", session.MaxAge);
            command.Parameters.AddWithValue("$created_at", Wire(session.CreatedAt));
            command.Parameters.AddWithValue("$expires_at", Wire(session.ExpiresAt));
            command.Parameters.AddWithValue("$revoked_at", session.RevokedAt is { } at ? Wire(at) : DBNull.Value);
            command.Parameters.AddWithValue("$revoked_by", (object?)session.RevokedBy ?? DBNull.Value);
            command.Parameters.AddWithValue("$revoke_reason", (object?)session.RevokeReason ?? DBNull.Value);
            command.Parameters.AddWithValue("$revocation_id", (object?)session.RevocationId ?? DBNull.Value);
            command.Parameters.AddWithValue("$user_epoch", session.UserEpoch);
        }, cancellationToken);
    }

    public async Task<UserSession?> FindLiveBySidHashAsync(Tenant tenant, string sidHash, DateTime now,
        CancellationToken cancellationToken)
    {
        var found = await QueryAsync($"SELECT {Columns} FROM user_sessions WHERE sid_hash = $sid_hash AND {TenantWhere} AND {LiveWhere};",
            command =>
            {
                BindTenant(command, tenant);
                command.Parameters.AddWithValue("$sid_hash", sidHash);
                command.Parameters.AddWithValue("$now", Wire(now));
            }, cancellationToken);
        return found.FirstOrDefault();
    }

    public async Task<IReadOnlyList<UserSession>> ListLiveAsync(Tenant tenant, string userId, DateTime now, int limit,
        CancellationToken cancellationToken) =>
        await QueryAsync($"""
            SELECT {Columns} FROM user_sessions WHERE {TenantWhere} AND user_id = $user AND {LiveWhere}
            ORDER BY created_at DESC, id DESC LIMIT $limit;
            """,
            command =>
            {
                BindTenant(command, tenant);
                command.Parameters.AddWithValue("$user", userId);
                command.Parameters.AddWithValue("$now", Wire(now));
                command.Parameters.AddWithValue("$limit", limit);
            }, cancellationToken);

    public async Task<bool> RevokeAsync(Tenant tenant, string userId, string sessionId, SessionRevocation revocation,
        CancellationToken cancellationToken) =>
        await RevokeWhereAsync(tenant, userId, "AND id = $id", revocation,
            command => command.Parameters.AddWithValue("$id", sessionId), cancellationToken) == 1;

    public Task<int> RevokeAllAsync(Tenant tenant, string userId, SessionRevocation revocation, CancellationToken cancellationToken) =>
        RevokeWhereAsync(tenant, userId, "", revocation, _ => { }, cancellationToken);

    public async Task<IReadOnlyList<string>> FindIdsByRevocationAsync(Tenant tenant, string userId, string revocationId,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT id FROM user_sessions WHERE {TenantWhere} AND user_id = $user AND revocation_id = $revocation
            ORDER BY created_at DESC, id DESC;
            """;
        BindTenant(command, tenant);
        command.Parameters.AddWithValue("$user", userId);
        command.Parameters.AddWithValue("$revocation", revocationId);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public async Task<bool> ExtendAsync(Tenant tenant, string sessionId, DateTime expiresAt, DateTime now,
        CancellationToken cancellationToken)
    {
        return await database.WriteCommandAsync($"""
            UPDATE user_sessions SET expires_at = $expires_at
            WHERE {TenantWhere} AND id = $id AND {LiveWhere} AND expires_at < $expires_at;
            """, command =>
        {
            BindTenant(command, tenant);
            command.Parameters.AddWithValue("$id", sessionId);
            command.Parameters.AddWithValue("$now", Wire(now));
            command.Parameters.AddWithValue("$expires_at", Wire(expiresAt));
        }, cancellationToken) == 1;
    }

    public async Task<int> DeleteExpiredAsync(DateTime now, int limit, CancellationToken cancellationToken)
    {
        // Batched through rowid: SQLite builds without DELETE ... LIMIT. Uses ix_user_sessions_expiry.
        return await database.WriteCommandAsync("""
            DELETE FROM user_sessions WHERE rowid IN (
                SELECT rowid FROM user_sessions WHERE expires_at <= $now LIMIT $limit);
            """, command =>
        {
            command.Parameters.AddWithValue("$now", Wire(now));
            command.Parameters.AddWithValue("$limit", limit);
        }, cancellationToken);
    }

    /// <summary>One UPDATE over the user's live sessions (narrowed by <paramref name="and"/>); returns the rows changed.</summary>
    private async Task<int> RevokeWhereAsync(Tenant tenant, string userId, string and, SessionRevocation revocation,
        Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        return await database.WriteCommandAsync($"""
            UPDATE user_sessions SET revoked_at = $revoked_at, revoked_by = $revoked_by, revoke_reason = $reason,
                revocation_id = $revocation
            WHERE {TenantWhere} AND user_id = $user {and} AND {LiveWhere};
            """, command =>
        {
            BindTenant(command, tenant);
            command.Parameters.AddWithValue("$user", userId);
            command.Parameters.AddWithValue("$now", Wire(revocation.At));
            command.Parameters.AddWithValue("$revoked_at", Wire(revocation.At));
            command.Parameters.AddWithValue("$revoked_by", revocation.By);
            command.Parameters.AddWithValue("$reason", revocation.Reason);
            command.Parameters.AddWithValue("$revocation", revocation.Id);
            bind(command);
        }, cancellationToken);
    }

    private Task<List<UserSession>> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        database.QueryAsync(sql, bind, reader => new UserSession
        {
            Id = reader.GetString(0),
            CompanyId = reader.GetString(1),
            ApplicationId = reader.GetString(2),
            UserId = reader.GetString(3),
            SidHash = reader.GetString(4),
            Domain = reader.GetString(5),
            Ip = reader.IsDBNull(6) ? null : reader.GetString(6),
            UserAgent = reader.IsDBNull(7) ? null : reader.GetString(7),
            MaxAge = reader.GetInt64(8),
            CreatedAt = Parse(reader.GetString(9)),
            ExpiresAt = Parse(reader.GetString(10)),
            RevokedAt = reader.IsDBNull(11) ? null : Parse(reader.GetString(11)),
            RevokedBy = reader.IsDBNull(12) ? null : reader.GetString(12),
            RevokeReason = reader.IsDBNull(13) ? null : reader.GetString(13),
            RevocationId = reader.IsDBNull(14) ? null : reader.GetString(14),
            UserEpoch = reader.GetInt32(15),
        }, cancellationToken);

    private static void BindTenant(SqliteCommand command, Tenant tenant)
    {
        command.Parameters.AddWithValue("$company", tenant.CompanyId);
        command.Parameters.AddWithValue("$application", tenant.ApplicationId);
    }

    private static string Wire(DateTime value) => UtcDateTimeConverter.ToWire(value);

    private static DateTime Parse(string value) =>
        DateTime.SpecifyKind(DateTime.ParseExact(value, UtcDateTimeConverter.Format, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal), DateTimeKind.Utc);
}
