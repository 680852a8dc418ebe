using System.Text.Json;
using Microsoft.Data.Sqlite;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// Users as JSON documents with their queried fields in indexed columns; the identity keys a user holds in
/// <c>user_keys</c>, whose primary key makes them unique per application.
/// </summary>
internal sealed class SqliteUserStore(SqliteDatabase database) : IUserStore, IStoreInitializer
{
    private const string Columns = "id, company_id, application_id, state, listed, created_at, username_lc, first_name_lc, last_name_lc, delete_on, version, doc";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS users (
                id TEXT PRIMARY KEY,
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                state TEXT NOT NULL,
                listed INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                username_lc TEXT NOT NULL,
                first_name_lc TEXT,
                last_name_lc TEXT,
                delete_on TEXT,
                version INTEGER NOT NULL,
                doc TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_users_listing ON users (company_id, application_id, listed, created_at DESC, id DESC);
            CREATE INDEX IF NOT EXISTS ix_users_username ON users (company_id, application_id, username_lc);
            CREATE INDEX IF NOT EXISTS ix_users_first_name ON users (company_id, application_id, first_name_lc);
            CREATE INDEX IF NOT EXISTS ix_users_last_name ON users (company_id, application_id, last_name_lc);
            CREATE INDEX IF NOT EXISTS ix_users_delete_due ON users (state, delete_on);
            CREATE TABLE IF NOT EXISTS user_keys (
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                key TEXT NOT NULL,
                user_id TEXT NOT NULL,
                PRIMARY KEY (company_id, application_id, key)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS ix_user_keys_user ON user_keys (user_id);
            """, cancellationToken);
    }

    public async Task InsertAsync(User user, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction();
        try
        {
            await using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = $"INSERT INTO users ({Columns}) VALUES ($id, $company, $application, $state, $listed, $created, $username, $first, $last, $delete_on, $version, $doc);";
                Bind(command, user);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await WriteKeysAsync(connection, transaction, user, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (SqliteException e) when (SqliteDatabase.IsUniqueViolation(e))
        {
            throw new IdentityTakenException();
        }
    }

    public async Task<bool> ReplaceAsync(User user, int expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction();
        try
        {
            await using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = """
                    UPDATE users SET state = $state, listed = $listed, username_lc = $username, first_name_lc = $first,
                        last_name_lc = $last, delete_on = $delete_on, version = $version, doc = $doc
                    WHERE id = $id AND company_id = $company AND application_id = $application AND version = $expected;
                    """;
                Bind(command, user);
                command.Parameters.AddWithValue("$expected", expectedVersion);
                if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    return false;
                }
            }

            await using (var delete = connection.CreateCommand())
            {
                delete.Transaction = transaction;
                delete.CommandText = "DELETE FROM user_keys WHERE user_id = $id;";
                delete.Parameters.AddWithValue("$id", user.Id);
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }

            await WriteKeysAsync(connection, transaction, user, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        }
        catch (SqliteException e) when (SqliteDatabase.IsUniqueViolation(e))
        {
            throw new IdentityTakenException();
        }
    }

    public async Task<User?> FindByIdAsync(Tenant tenant, string id, CancellationToken cancellationToken)
    {
        var found = await QueryAsync(
            "SELECT doc FROM users WHERE id = $id AND company_id = $company AND application_id = $application;",
            command =>
            {
                BindTenant(command, tenant);
                command.Parameters.AddWithValue("$id", id);
            }, cancellationToken);
        return found.FirstOrDefault();
    }

    public async Task<IReadOnlyList<User>> FindByIdsAsync(Tenant tenant, IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        return await QueryAsync(
            $"SELECT doc FROM users WHERE company_id = $company AND application_id = $application AND id IN ({SqliteDatabase.Placeholders("$i", ids.Count)});",
            command =>
            {
                BindTenant(command, tenant);
                SqliteDatabase.BindList(command, "$i", ids);
            }, cancellationToken);
    }

    public async Task<(IReadOnlyList<User> Items, long Total)> ListAsync(Tenant tenant, CustomerFilter filter, int skip, int take,
        CancellationToken cancellationToken)
    {
        var where = "company_id = $company AND application_id = $application AND listed = 1";
        if (!filter.IsEmpty)
        {
            // Each alternative is its own index search (identity keys, username, first and last name), united;
            // an OR over columns of one table would scan the application's whole listing instead.
            var any = new List<string>();
            if (filter.Keys.Count > 0)
            {
                any.Add($"SELECT user_id FROM user_keys WHERE company_id = $company AND application_id = $application AND key IN ({SqliteDatabase.Placeholders("$k", filter.Keys.Count)})");
            }

            if (filter.Prefix is not null)
            {
                foreach (var column in new[] { "username_lc", "first_name_lc", "last_name_lc" })
                {
                    any.Add($"SELECT id FROM users WHERE company_id = $company AND application_id = $application AND {column} >= $prefix AND {column} < $prefix_end");
                }
            }

            // The unary + keeps SQLite from walking the listing index in sort order over the whole application.
            where = $"id IN ({string.Join(" UNION ", any)}) AND +company_id = $company AND +application_id = $application AND +listed = 1";
        }

        void Bind(SqliteCommand command)
        {
            BindTenant(command, tenant);
            SqliteDatabase.BindList(command, "$k", filter.Keys);
            if (filter.Prefix is not null)
            {
                command.Parameters.AddWithValue("$prefix", filter.Prefix);
                command.Parameters.AddWithValue("$prefix_end", filter.Prefix + "\U0010FFFF");
            }
        }

        var items = await QueryAsync(
            $"SELECT doc FROM users WHERE {where} ORDER BY created_at DESC, id DESC LIMIT $take OFFSET $skip;",
            command =>
            {
                Bind(command);
                command.Parameters.AddWithValue("$take", take);
                command.Parameters.AddWithValue("$skip", skip);
            }, cancellationToken);

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var count = connection.CreateCommand();
        count.CommandText = $"SELECT COUNT(*) FROM users WHERE {where};";
        Bind(count);
        var total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        return (items, total);
    }

    public async Task<IReadOnlyList<User>> FindByKeysAsync(Tenant tenant, IReadOnlyCollection<string> keys, int limit,
        CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return [];
        }

        return await QueryAsync($"""
            SELECT doc FROM users WHERE id IN (
                SELECT user_id FROM user_keys
                WHERE company_id = $company AND application_id = $application AND key IN ({SqliteDatabase.Placeholders("$k", keys.Count)}))
            ORDER BY created_at DESC, id DESC LIMIT $limit;
            """,
            command =>
            {
                BindTenant(command, tenant);
                SqliteDatabase.BindList(command, "$k", keys);
                command.Parameters.AddWithValue("$limit", limit);
            }, cancellationToken);
    }

    public async Task<IReadOnlyList<User>> FindDeletedDueAsync(DateTime now, int limit, CancellationToken cancellationToken) =>
        await QueryAsync("SELECT doc FROM users WHERE state = 'deleted' AND delete_on <= $now ORDER BY delete_on LIMIT $limit;",
            command =>
            {
                command.Parameters.AddWithValue("$now", UtcDateTimeConverter.ToWire(now));
                command.Parameters.AddWithValue("$limit", limit);
            }, cancellationToken);

    private async Task<List<User>> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        var users = new List<User>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(JsonSerializer.Deserialize<User>(reader.GetString(0), JsonDefaults.Options)!);
        }

        return users;
    }

    private static async Task WriteKeysAsync(SqliteConnection connection, SqliteTransaction transaction, User user,
        CancellationToken cancellationToken)
    {
        foreach (var key in user.IdentityKeys.Distinct())
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO user_keys (company_id, application_id, key, user_id) VALUES ($company, $application, $key, $user);";
            command.Parameters.AddWithValue("$company", user.CompanyId);
            command.Parameters.AddWithValue("$application", user.ApplicationId);
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$user", user.Id);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static void Bind(SqliteCommand command, User user)
    {
        command.Parameters.AddWithValue("$id", user.Id);
        command.Parameters.AddWithValue("$company", user.CompanyId);
        command.Parameters.AddWithValue("$application", user.ApplicationId);
        command.Parameters.AddWithValue("$state", user.State.ToString().ToLowerInvariant());
        command.Parameters.AddWithValue("$listed", user.State is UserState.Live or UserState.Deleted ? 1 : 0);
        command.Parameters.AddWithValue("$created", UtcDateTimeConverter.ToWire(user.CreatedAt));
        command.Parameters.AddWithValue("$username", user.UsernameLc);
        command.Parameters.AddWithValue("$first", (object?)user.FirstNameLc ?? DBNull.Value);
        command.Parameters.AddWithValue("$last", (object?)user.LastNameLc ?? DBNull.Value);
        command.Parameters.AddWithValue("$delete_on",
            user.DeleteOn is { } on ? UtcDateTimeConverter.ToWire(on) : DBNull.Value);
        command.Parameters.AddWithValue("$version", user.Version);
        command.Parameters.AddWithValue("$doc", JsonSerializer.Serialize(user, JsonDefaults.Options));
    }

    private static void BindTenant(SqliteCommand command, Tenant tenant)
    {
        command.Parameters.AddWithValue("$company", tenant.CompanyId);
        command.Parameters.AddWithValue("$application", tenant.ApplicationId);
    }
}
