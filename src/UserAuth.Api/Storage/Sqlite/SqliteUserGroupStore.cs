using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Groups;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// Groups in <c>user_groups</c> (queried columns plus the whole group as JSON in <c>doc</c>, in this store's own
/// format), uids from <c>user_group_counters</c> (incremented in the insert's transaction: BEGIN IMMEDIATE serialises
/// writers, also across processes over the same file), members in <c>user_group_members</c>. Member pages join
/// <c>users</c> (same database) to keep only live users; their totals are counted by triggers in
/// <c>user_group_live_counts</c>.
/// </summary>
internal sealed class SqliteUserGroupStore(SqliteDatabase database) : IUserGroupStore, IStoreInitializer
{
    private const string TenantWhere = "company_id = $company AND application_id = $application";

    /// <summary>How a group is kept in <c>doc</c>: fixed here, independent of the API's JSON options.</summary>
    private static readonly JsonSerializerOptions DocJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS user_groups (
                id TEXT PRIMARY KEY,
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                uid INTEGER NOT NULL,
                name_lc TEXT NOT NULL,
                type TEXT NOT NULL,
                status TEXT NOT NULL,
                version INTEGER NOT NULL,
                doc TEXT NOT NULL
            );
            CREATE UNIQUE INDEX IF NOT EXISTS ux_user_groups_uid ON user_groups (company_id, application_id, uid);
            CREATE INDEX IF NOT EXISTS ix_user_groups_type ON user_groups (company_id, application_id, type, uid);
            CREATE INDEX IF NOT EXISTS ix_user_groups_status ON user_groups (company_id, application_id, status, uid);
            CREATE TABLE IF NOT EXISTS user_group_counters (
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                last_uid INTEGER NOT NULL,
                PRIMARY KEY (company_id, application_id)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS user_group_members (
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                group_uid INTEGER NOT NULL,
                user_id TEXT NOT NULL,
                PRIMARY KEY (company_id, application_id, group_uid, user_id)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS ix_user_group_members_user ON user_group_members (company_id, application_id, user_id, group_uid);
            """, cancellationToken);
        await InitializeLiveCountsAsync(connection, cancellationToken);
    }

    /// <summary>
    /// <c>user_group_live_counts</c>: the live members of every bulk group, kept by triggers in the transaction of
    /// every write to <c>user_group_members</c> or to a user's state (whatever code writes), so a members page reads
    /// its total as one primary-key read instead of joining each member row with its user (at a million users those
    /// rows sit on as many pages). A database made before the table existed is counted once, in the transaction that
    /// creates it. Needs <c>users</c>, which the user store creates first (it is registered before the groups).
    /// </summary>
    private static async Task InitializeLiveCountsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.Serializable);
        await using (var exists = connection.CreateCommand())
        {
            exists.Transaction = transaction;
            exists.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'user_group_live_counts';";
            if ((long)(await exists.ExecuteScalarAsync(cancellationToken))! == 1)
            {
                return;
            }
        }

        // Each trigger adds (or takes) one per group the member or user is in; the state trigger and the users'
        // insert and delete triggers find the user's groups on ix_user_group_members_user.
        const string liveDelta = """
            INSERT INTO user_group_live_counts (company_id, application_id, group_uid, live)
                SELECT company_id, application_id, group_uid, {0} FROM user_group_members
                WHERE company_id = {1}.company_id AND application_id = {1}.application_id AND user_id = {1}.id
                ON CONFLICT (company_id, application_id, group_uid) DO UPDATE SET live = live + excluded.live;
            """;
        await SqliteDatabase.ExecuteAsync(connection, $"""
            CREATE TABLE user_group_live_counts (
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                group_uid INTEGER NOT NULL,
                live INTEGER NOT NULL,
                PRIMARY KEY (company_id, application_id, group_uid)
            ) WITHOUT ROWID;
            INSERT INTO user_group_live_counts
                SELECT m.company_id, m.application_id, m.group_uid, COUNT(*)
                FROM user_group_members m JOIN users u ON u.id = m.user_id AND u.state = 'live'
                GROUP BY m.company_id, m.application_id, m.group_uid;
            CREATE TRIGGER user_group_live_member_insert AFTER INSERT ON user_group_members
                WHEN EXISTS (SELECT 1 FROM users WHERE id = new.user_id AND state = 'live') BEGIN
                INSERT INTO user_group_live_counts VALUES (new.company_id, new.application_id, new.group_uid, 1)
                    ON CONFLICT (company_id, application_id, group_uid) DO UPDATE SET live = live + 1;
            END;
            CREATE TRIGGER user_group_live_member_delete AFTER DELETE ON user_group_members
                WHEN EXISTS (SELECT 1 FROM users WHERE id = old.user_id AND state = 'live') BEGIN
                UPDATE user_group_live_counts SET live = live - 1
                WHERE company_id = old.company_id AND application_id = old.application_id AND group_uid = old.group_uid;
            END;
            CREATE TRIGGER user_group_live_user_state AFTER UPDATE OF state ON users
                WHEN (old.state = 'live') <> (new.state = 'live') BEGIN
                {string.Format(System.Globalization.CultureInfo.InvariantCulture, liveDelta, "CASE WHEN new.state = 'live' THEN 1 ELSE -1 END", "new")}
            END;
            CREATE TRIGGER user_group_live_user_insert AFTER INSERT ON users WHEN new.state = 'live' BEGIN
                {string.Format(System.Globalization.CultureInfo.InvariantCulture, liveDelta, "1", "new")}
            END;
            CREATE TRIGGER user_group_live_user_delete AFTER DELETE ON users WHEN old.state = 'live' BEGIN
                {string.Format(System.Globalization.CultureInfo.InvariantCulture, liveDelta, "-1", "old")}
            END;
            """, cancellationToken, transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Allots the uid and inserts the group in one write of the single writer (with the request's audit record).</summary>
    public Task<long> InsertAsync(UserGroup group, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction, ct) =>
        {
            await using (var counter = SqliteDatabase.Command(connection, transaction, """
                INSERT INTO user_group_counters (company_id, application_id, last_uid) VALUES ($company, $application, 1)
                ON CONFLICT (company_id, application_id) DO UPDATE SET last_uid = last_uid + 1
                RETURNING last_uid;
                """))
            {
                BindTenant(counter, group.CompanyId, group.ApplicationId);
                group.Uid = (long)(await counter.ExecuteScalarAsync(ct))!;
            }

            await using var insert = SqliteDatabase.Command(connection, transaction, """
                INSERT INTO user_groups (id, company_id, application_id, uid, name_lc, type, status, version, doc)
                VALUES ($id, $company, $application, $uid, $name, $type, $status, $version, $doc);
                """);
            BindGroup(insert, group);
            await insert.ExecuteNonQueryAsync(ct);
            return group.Uid;
        }, cancellationToken);

    public async Task<UserGroup?> FindByUidAsync(Tenant tenant, long uid, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT doc FROM user_groups WHERE {TenantWhere} AND uid = $uid;", command =>
        {
            BindTenant(command, tenant.CompanyId, tenant.ApplicationId);
            command.Parameters.AddWithValue("$uid", uid);
        }, cancellationToken)).FirstOrDefault();

    public async Task<UserGroup?> FindByIdAsync(Tenant tenant, string id, CancellationToken cancellationToken) =>
        (await QueryAsync($"SELECT doc FROM user_groups WHERE id = $id AND {TenantWhere};", command =>
        {
            BindTenant(command, tenant.CompanyId, tenant.ApplicationId);
            command.Parameters.AddWithValue("$id", id);
        }, cancellationToken)).FirstOrDefault();

    public async Task<IReadOnlyList<UserGroup>> FindByUidsAsync(Tenant tenant, IReadOnlyCollection<long> uids,
        CancellationToken cancellationToken)
    {
        if (uids.Count == 0)
        {
            return [];
        }

        return await QueryAsync($"""
            SELECT doc FROM user_groups WHERE {TenantWhere} AND uid IN ({SqliteDatabase.Placeholders("$u", uids.Count)}) ORDER BY uid;
            """, command =>
        {
            BindTenant(command, tenant.CompanyId, tenant.ApplicationId);
            var i = 0;
            foreach (var uid in uids)
            {
                command.Parameters.AddWithValue("$u" + (i++).ToString(System.Globalization.CultureInfo.InvariantCulture), uid);
            }
        }, cancellationToken);
    }

    public async Task<(IReadOnlyList<UserGroup> Items, long Total)> ListAsync(Tenant tenant, GroupFilter filter, int skip, int take,
        CancellationToken cancellationToken)
    {
        // Index: ux_user_groups_uid (or the type / status index) narrows to the application; the name test runs on those rows.
        var where = TenantWhere;
        if (filter.Type is not null)
        {
            where += " AND type = $type";
        }

        if (filter.Status is not null)
        {
            where += " AND status = $status";
        }

        if (filter.Uid is not null)
        {
            where += " AND uid = $uid";
        }

        if (filter.NameContains is not null)
        {
            where += " AND instr(name_lc, $name) > 0";
        }

        void Bind(SqliteCommand command)
        {
            BindTenant(command, tenant.CompanyId, tenant.ApplicationId);
            command.Parameters.AddWithValue("$type", (object?)filter.Type ?? DBNull.Value);
            command.Parameters.AddWithValue("$status", (object?)filter.Status ?? DBNull.Value);
            command.Parameters.AddWithValue("$uid", (object?)filter.Uid ?? DBNull.Value);
            command.Parameters.AddWithValue("$name", (object?)filter.NameContains ?? DBNull.Value);
        }

        var items = await QueryAsync($"SELECT doc FROM user_groups WHERE {where} ORDER BY uid DESC LIMIT $take OFFSET $skip;", command =>
        {
            Bind(command);
            command.Parameters.AddWithValue("$take", take);
            command.Parameters.AddWithValue("$skip", skip);
        }, cancellationToken);
        var total = await database.CountAsync($"SELECT COUNT(*) FROM user_groups WHERE {where};", Bind, cancellationToken);
        return (items, total);
    }

    public async Task<IReadOnlyList<UserGroup>> ListByTypeAsync(Tenant tenant, string type, int limit, CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT doc FROM user_groups WHERE {TenantWhere} AND type = $type ORDER BY uid LIMIT $limit;", command =>
        {
            BindTenant(command, tenant.CompanyId, tenant.ApplicationId);
            command.Parameters.AddWithValue("$type", type);
            command.Parameters.AddWithValue("$limit", limit);
        }, cancellationToken);

    public async Task<bool> ReplaceAsync(UserGroup group, int expectedVersion, CancellationToken cancellationToken)
    {
        return await database.WriteAsync(async (connection, transaction, ct) =>
        {
            await using var command = SqliteDatabase.Command(connection, transaction, $"""
                UPDATE user_groups SET name_lc = $name, type = $type, status = $status, version = $version, doc = $doc
                WHERE id = $id AND {TenantWhere} AND version = $expected;
                """);
            BindGroup(command, group);
            command.Parameters.AddWithValue("$expected", expectedVersion);
            return await command.ExecuteNonQueryAsync(ct) == 1;
        }, cancellationToken);
    }

    public async Task AddMembersAsync(Tenant tenant, long uid, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken) =>
        await MembersWriteAsync(tenant, uid, userIds,
            "INSERT OR IGNORE INTO user_group_members (company_id, application_id, group_uid, user_id) VALUES ($company, $application, $uid, $user);",
            cancellationToken);

    public async Task RemoveMembersAsync(Tenant tenant, long uid, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken) =>
        await MembersWriteAsync(tenant, uid, userIds,
            $"DELETE FROM user_group_members WHERE {TenantWhere} AND group_uid = $uid AND user_id = $user;",
            cancellationToken);

    public async Task<(IReadOnlyList<string> UserIds, long Total)> ListLiveMembersAsync(Tenant tenant, long uid, int skip, int take,
        CancellationToken cancellationToken)
    {
        const string from = """
            FROM user_group_members m JOIN users u ON u.id = m.user_id AND u.state = 'live'
            WHERE m.company_id = $company AND m.application_id = $application AND m.group_uid = $uid
            """;
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = new List<string>();
        await using (var page = connection.CreateCommand())
        {
            page.CommandText = $"SELECT m.user_id {from} ORDER BY m.user_id LIMIT $take OFFSET $skip;";
            BindTenant(page, tenant.CompanyId, tenant.ApplicationId);
            page.Parameters.AddWithValue("$uid", uid);
            page.Parameters.AddWithValue("$take", take);
            page.Parameters.AddWithValue("$skip", skip);
            await using var reader = await page.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetString(0));
            }
        }

        // The total from the maintained count (see InitializeLiveCountsAsync), not by joining every member with its user.
        await using var count = connection.CreateCommand();
        count.CommandText = $"SELECT COALESCE((SELECT live FROM user_group_live_counts WHERE {TenantWhere} AND group_uid = $uid), 0);";
        BindTenant(count, tenant.CompanyId, tenant.ApplicationId);
        count.Parameters.AddWithValue("$uid", uid);
        return (ids, (long)(await count.ExecuteScalarAsync(cancellationToken))!);
    }

    public async Task<IReadOnlyList<string>> FindLiveMembersAmongAsync(Tenant tenant, long uid, IReadOnlyCollection<string> userIds,
        CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return [];
        }

        // The ids as one JSON array: primary-key searches of the member table, then of users for the state.
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT m.user_id FROM user_group_members m JOIN users u ON u.id = m.user_id AND u.state = 'live'
            WHERE m.company_id = $company AND m.application_id = $application AND m.group_uid = $uid
                AND m.user_id IN (SELECT value FROM json_each($ids))
            ORDER BY m.user_id;
            """;
        BindTenant(command, tenant.CompanyId, tenant.ApplicationId);
        command.Parameters.AddWithValue("$uid", uid);
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(userIds));
        var ids = new List<string>(userIds.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public async Task<IReadOnlyList<long>> FindUidsOfMemberAsync(Tenant tenant, string userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT group_uid FROM user_group_members WHERE {TenantWhere} AND user_id = $user ORDER BY group_uid;";
        BindTenant(command, tenant.CompanyId, tenant.ApplicationId);
        command.Parameters.AddWithValue("$user", userId);
        var uids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            uids.Add(reader.GetInt64(0));
        }

        return uids;
    }

    private async Task MembersWriteAsync(Tenant tenant, long uid, IReadOnlyCollection<string> userIds, string sql,
        CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return;
        }

        await database.WriteAsync(async (connection, transaction, ct) =>
        {
            await using var command = SqliteDatabase.Command(connection, transaction, sql);
            BindTenant(command, tenant.CompanyId, tenant.ApplicationId);
            command.Parameters.AddWithValue("$uid", uid);
            var user = command.Parameters.Add("$user", SqliteType.Text);
            foreach (var id in userIds)
            {
                user.Value = id;
                await command.ExecuteNonQueryAsync(ct);
            }
        }, cancellationToken);
    }

    private Task<List<UserGroup>> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        database.QueryAsync(sql, bind, reader => JsonSerializer.Deserialize<UserGroup>(reader.GetString(0), DocJson)!, cancellationToken);

    private static void BindGroup(SqliteCommand command, UserGroup group)
    {
        BindTenant(command, group.CompanyId, group.ApplicationId);
        command.Parameters.AddWithValue("$id", group.Id);
        command.Parameters.AddWithValue("$uid", group.Uid);
        command.Parameters.AddWithValue("$name", group.NameLc);
        command.Parameters.AddWithValue("$type", group.Type);
        command.Parameters.AddWithValue("$status", group.Status);
        command.Parameters.AddWithValue("$version", group.Version);
        command.Parameters.AddWithValue("$doc", JsonSerializer.Serialize(group, DocJson));
    }

    private static void BindTenant(SqliteCommand command, string companyId, string applicationId)
    {
        command.Parameters.AddWithValue("$company", companyId);
        command.Parameters.AddWithValue("$application", applicationId);
    }
}
