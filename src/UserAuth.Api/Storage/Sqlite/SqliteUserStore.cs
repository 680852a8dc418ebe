using System.Text.Json;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// Users as JSON documents with their queried fields in indexed columns; the identity keys a user holds in
/// <c>user_keys</c>, whose primary key makes them unique per application.
/// </summary>
internal sealed class SqliteUserStore(SqliteDatabase database, ListingBoundaries boundaries) : IUserStore, IStoreInitializer
{
    /// <summary>How this store keeps its documents in <c>doc</c> (see <see cref="SqliteDocumentJson"/>).</summary>
    private static readonly JsonSerializerOptions DocJson = SqliteDocumentJson.Create();

    private static readonly string[] PrefixColumns = ["username_lc", "first_name_lc", "last_name_lc"];
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
            DROP INDEX IF EXISTS ix_users_listing;
            -- The listing order, with the name columns a broad q tests while walking it (no row read per entry).
            CREATE INDEX IF NOT EXISTS ix_users_listing_names
                ON users (company_id, application_id, listed, created_at DESC, id DESC, username_lc, first_name_lc, last_name_lc);
            DROP INDEX IF EXISTS ix_users_username;
            DROP INDEX IF EXISTS ix_users_first_name;
            DROP INDEX IF EXISTS ix_users_last_name;
            CREATE INDEX IF NOT EXISTS ix_users_listed_username ON users (company_id, application_id, listed, username_lc);
            CREATE INDEX IF NOT EXISTS ix_users_listed_first_name ON users (company_id, application_id, listed, first_name_lc);
            CREATE INDEX IF NOT EXISTS ix_users_listed_last_name ON users (company_id, application_id, listed, last_name_lc);
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
        await InitializeCountsAsync(connection, cancellationToken);
    }

    /// <summary>
    /// The insert trigger of <c>user_counts</c>. It counts every inserted user except while <c>user_counts_paused</c>
    /// holds a row: an import batch sets that row, writes its users, adds them to the counts in one statement and
    /// clears the row, all in its own transaction (so no other write ever sees the row, and the counts stay exact in
    /// the same transaction as the users; the trigger's upsert per user was a quarter of SQLite's time per imported user).
    /// </summary>
    private const string InsertTrigger = """
        CREATE TRIGGER user_counts_insert AFTER INSERT ON users WHEN NOT EXISTS (SELECT 1 FROM user_counts_paused) BEGIN
            INSERT INTO user_counts VALUES (new.company_id, new.application_id, new.state = 'live',
                new.state = 'archived', new.state = 'deleted', new.state = 'erased', 1)
            ON CONFLICT (company_id, application_id) DO UPDATE SET
                live = live + (new.state = 'live'), archived = archived + (new.state = 'archived'),
                deleted = deleted + (new.state = 'deleted'), erased = erased + (new.state = 'erased'),
                generation = generation + 1;
        END;
        """;

    /// <summary>
    /// <c>user_counts</c>: users per application and state, and a listing generation, kept by triggers in the
    /// transaction of every write to <c>users</c> (so they are exact whatever code writes; an import batch counts its
    /// users itself, see <see cref="InsertTrigger"/>). A database made before the table existed is counted once, in
    /// the transaction that creates it; one whose insert trigger predates <c>user_counts_paused</c> gets the new trigger.
    /// </summary>
    private static async Task InitializeCountsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.Serializable);
        await using (var exists = Command(connection, transaction,
                         "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'user_counts_insert';"))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is string trigger)
            {
                if (!trigger.Contains("user_counts_paused", StringComparison.Ordinal))
                {
                    await SqliteDatabase.ExecuteAsync(connection, $"""
                        CREATE TABLE IF NOT EXISTS user_counts_paused (id INTEGER PRIMARY KEY);
                        DROP TRIGGER user_counts_insert;
                        {InsertTrigger}
                        """, cancellationToken, transaction);
                    await transaction.CommitAsync(cancellationToken);
                }

                return;
            }
        }

        await SqliteDatabase.ExecuteAsync(connection, $"""
            CREATE TABLE user_counts (
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                live INTEGER NOT NULL,
                archived INTEGER NOT NULL,
                deleted INTEGER NOT NULL,
                erased INTEGER NOT NULL,
                generation INTEGER NOT NULL,
                PRIMARY KEY (company_id, application_id)
            ) WITHOUT ROWID;
            INSERT INTO user_counts
                SELECT company_id, application_id, SUM(state = 'live'), SUM(state = 'archived'), SUM(state = 'deleted'),
                    SUM(state = 'erased'), 0
                FROM users GROUP BY company_id, application_id;
            CREATE TABLE user_counts_paused (id INTEGER PRIMARY KEY);
            {InsertTrigger}
            CREATE TRIGGER user_counts_state AFTER UPDATE OF state ON users WHEN old.state <> new.state BEGIN
                UPDATE user_counts SET
                    live = live + (new.state = 'live') - (old.state = 'live'),
                    archived = archived + (new.state = 'archived') - (old.state = 'archived'),
                    deleted = deleted + (new.state = 'deleted') - (old.state = 'deleted'),
                    erased = erased + (new.state = 'erased') - (old.state = 'erased'),
                    generation = generation + 1
                WHERE company_id = new.company_id AND application_id = new.application_id;
            END;
            CREATE TRIGGER user_counts_delete AFTER DELETE ON users BEGIN
                UPDATE user_counts SET
                    live = live - (old.state = 'live'), archived = archived - (old.state = 'archived'),
                    deleted = deleted - (old.state = 'deleted'), erased = erased - (old.state = 'erased'),
                    generation = generation + 1
                WHERE company_id = old.company_id AND application_id = old.application_id;
            END;
            """, cancellationToken, transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task InsertAsync(User user, CancellationToken cancellationToken)
    {
        try
        {
            await database.WriteAsync(async (connection, transaction, ct) =>
            {
                var command = SqliteDatabase.Prepared(connection, transaction,
                    $"INSERT INTO users ({Columns}) VALUES ($id, $company, $application, $state, $listed, $created, $username, $first, $last, $delete_on, $version, $doc);");
                Bind(command, user);
                await command.ExecuteNonQueryAsync(ct);

                await WriteKeysAsync(connection, transaction, user, ct);
            }, cancellationToken);
        }
        catch (SqliteException e) when (SqliteDatabase.IsUniqueViolation(e))
        {
            throw new IdentityTakenException(null);
        }
    }

    public async Task<bool> ReplaceAsync(User user, int expectedVersion, CancellationToken cancellationToken)
    {
        try
        {
            return await database.WriteAsync(async (connection, transaction, ct) =>
            {
                var command = SqliteDatabase.Prepared(connection, transaction, """
                    UPDATE users SET state = $state, listed = $listed, username_lc = $username, first_name_lc = $first,
                        last_name_lc = $last, delete_on = $delete_on, version = $version, doc = $doc
                    WHERE id = $id AND company_id = $company AND application_id = $application AND version = $expected;
                    """);
                Bind(command, user);
                command.Parameters.AddWithValue("$expected", expectedVersion);
                if (await command.ExecuteNonQueryAsync(ct) == 0)
                {
                    return false;
                }

                var delete = SqliteDatabase.Prepared(connection, transaction, "DELETE FROM user_keys WHERE user_id = $id;");
                delete.Parameters.AddWithValue("$id", user.Id);
                await delete.ExecuteNonQueryAsync(ct);

                await WriteKeysAsync(connection, transaction, user, ct);
                return true;
            }, cancellationToken);
        }
        catch (SqliteException e) when (SqliteDatabase.IsUniqueViolation(e))
        {
            throw new IdentityTakenException(null);
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

        return await QueryAsync(FindByIdsSql(ids.Count),
            command =>
            {
                BindTenant(command, tenant);
                SqliteDatabase.BindList(command, "$i", ids);
            }, cancellationToken);
    }

    /// <summary>
    /// Primary-key searches for <paramref name="count"/> ids. The unary + keeps SQLite (which has no statistics here)
    /// from walking a (company, application, ...) index over the whole application and testing each row's id against
    /// the list instead: that plan took 13 ms at 10,000 users and grew with them.
    /// </summary>
    internal static string FindByIdsSql(int count) =>
        $"SELECT doc FROM users WHERE id IN ({SqliteDatabase.Placeholders("$i", count)}) AND +company_id = $company AND +application_id = $application;";

    public async Task<CustomerPage> ListAsync(Tenant tenant, CustomerFilter filter, int skip, int take,
        CancellationToken cancellationToken)
    {
        // One read transaction: the count, the boundaries and the page see the same snapshot.
        return await database.ReadAsync(async (reader, ct) =>
        {
            await using var transaction = reader.Connection.BeginTransaction(deferred: true);
            var page = filter.IsEmpty
                ? await ListAllAsync(reader, transaction, tenant, skip, take, ct)
                : await ListFilteredAsync(reader, transaction, tenant, filter, skip, take, ct);
            await transaction.CommitAsync(ct);
            return page;
        }, cancellationToken);
    }

    /// <summary>The total from <c>user_counts</c>; the page seeks from a cached boundary on the listing index.</summary>
    private async Task<CustomerPage> ListAllAsync(PreparedConnection connection, SqliteTransaction transaction, Tenant tenant,
        int skip, int take, CancellationToken cancellationToken)
    {
        long total = 0, generation = 0;
        var counts = connection.Prepared(
            "SELECT live + deleted, generation FROM user_counts WHERE company_id = $company AND application_id = $application;", transaction);
        {
            BindTenant(counts, tenant);
            await using var reader = await counts.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                total = reader.GetInt64(0);
                generation = reader.GetInt64(1);
            }
        }

        if (skip >= total)
        {
            return new CustomerPage([], total, false, false);
        }

        var (anchor, offset) = await boundaries.SeekAsync(tenant, generation, skip,
            (from, n, ct) => KeyAtAsync(connection, transaction, tenant, from, n, ct), cancellationToken);
        var command = connection.Prepared($"""
            SELECT doc FROM users WHERE company_id = $company AND application_id = $application AND listed = 1
                {(anchor is null ? "" : "AND (created_at, id) <= ($anchor_created, $anchor_id)")}
            ORDER BY created_at DESC, id DESC LIMIT $take OFFSET $skip;
            """, transaction);
        BindTenant(command, tenant);
        BindAnchor(command, anchor);
        command.Parameters.AddWithValue("$take", take);
        command.Parameters.AddWithValue("$skip", offset);
        var items = await ReadUsersAsync(command, cancellationToken);
        return new CustomerPage(items, total, false, skip + items.Count < total);
    }

    /// <summary>The listing key <paramref name="n"/> rows after <paramref name="from"/>, read from the covering listing index.</summary>
    private static async Task<ListingKey?> KeyAtAsync(PreparedConnection connection, SqliteTransaction transaction, Tenant tenant,
        ListingKey? from, int n, CancellationToken cancellationToken)
    {
        var command = connection.Prepared($"""
            SELECT created_at, id FROM users WHERE company_id = $company AND application_id = $application AND listed = 1
                {(from is null ? "" : "AND (created_at, id) <= ($anchor_created, $anchor_id)")}
            ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $n;
            """, transaction);
        BindTenant(command, tenant);
        BindAnchor(command, from);
        command.Parameters.AddWithValue("$n", n);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ListingKey(UtcDateTimeConverter.FromWire(reader.GetString(0)), reader.GetString(1))
            : null;
    }

    /// <summary>
    /// Identity keys match exactly; a prefix is looked up on the username and name indexes, each read only up to
    /// <see cref="CustomerFilter.BroadCountLimit"/> entries. A narrower filter is a union of index searches with an
    /// exact count; a broad one walks the listing index newest first up to the page, and its total is a lower bound.
    /// </summary>
    private static async Task<CustomerPage> ListFilteredAsync(PreparedConnection connection, SqliteTransaction transaction,
        Tenant tenant, CustomerFilter filter, int skip, int take, CancellationToken cancellationToken)
    {
        // Every arm yields rowids of listed users; the prefix arms read only their covering index, up to the limit.
        var keys = filter.Keys.Count > 0
            ? $"SELECT user_id FROM user_keys WHERE company_id = $company AND application_id = $application AND key IN ({SqliteDatabase.Placeholders("$k", filter.Keys.Count)})"
            : null;
        var prefixArms = filter.Prefix is null
            ? []
            : PrefixColumns.Select(column =>
                $"SELECT rowid FROM (SELECT rowid FROM users WHERE company_id = $company AND application_id = $application AND listed = 1 AND {column} >= $prefix AND {column} < $prefix_end LIMIT $cap)").ToList();

        void Bind(SqliteCommand command)
        {
            BindTenant(command, tenant);
            SqliteDatabase.BindList(command, "$k", filter.Keys);
            if (filter.Prefix is not null)
            {
                command.Parameters.AddWithValue("$prefix", filter.Prefix);
                command.Parameters.AddWithValue("$prefix_end", filter.Prefix + "\U0010FFFF");
                command.Parameters.AddWithValue("$cap", CustomerFilter.BroadCountLimit + 1);
            }
        }

        // Listed users holding one of the keys: a few primary-key searches. The unary + keeps SQLite from walking
        // the listing index in sort order over the whole application.
        var keyArm = keys is null
            ? null
            : $"SELECT rowid FROM users WHERE id IN ({keys}) AND +company_id = $company AND +application_id = $application AND +listed = 1";
        var union = string.Join(" UNION ", (keyArm is null ? [] : new[] { keyArm }).Concat(prefixArms));
        var matching = $"rowid IN ({union})";
        long total = 0;
        if (prefixArms.Count > 0)
        {
            // The largest prefix arm, each read up to the limit on its covering index.
            var probe = connection.Prepared($"SELECT MAX({string.Join(", ", prefixArms.Select(arm => $"(SELECT COUNT(*) FROM ({arm}))"))});", transaction);
            Bind(probe);
            total = (long)(await probe.ExecuteScalarAsync(cancellationToken))!;
        }

        // Broad: an arm reached its limit; its count (listed users only) is a lower bound of the total.
        var broad = total > CustomerFilter.BroadCountLimit;
        if (!broad)
        {
            // At most a few thousand rowids: counted on the rowids themselves, no user row is read.
            var count = connection.Prepared($"SELECT COUNT(*) FROM ({union});", transaction);
            Bind(count);
            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        if (!broad)
        {
            var page = connection.Prepared($"SELECT doc FROM users WHERE {matching} ORDER BY created_at DESC, id DESC LIMIT $take OFFSET $skip;", transaction);
            Bind(page);
            page.Parameters.AddWithValue("$take", take);
            page.Parameters.AddWithValue("$skip", skip);
            var items = await ReadUsersAsync(page, cancellationToken);
            return new CustomerPage(items, total, false, skip + items.Count < total);
        }

        // Broad: at least BroadCountLimit matches, so the listing index, newest first, reaches the page soon.
        var tests = PrefixColumns.Select(column => $"({column} >= $prefix AND {column} < $prefix_end)")
            .Concat(keys is null ? [] : [$"id IN ({keys})"]);
        var walk = connection.Prepared($"""
            SELECT doc FROM users INDEXED BY ix_users_listing_names
            WHERE company_id = $company AND application_id = $application AND listed = 1 AND ({string.Join(" OR ", tests)})
            ORDER BY created_at DESC, id DESC LIMIT $take OFFSET $skip;
            """, transaction);
        Bind(walk);
        walk.Parameters.AddWithValue("$take", take + 1);
        walk.Parameters.AddWithValue("$skip", skip);
        var found = await ReadUsersAsync(walk, cancellationToken);
        var hasNext = found.Count > take;
        if (hasNext)
        {
            found.RemoveAt(found.Count - 1);
        }

        return new CustomerPage(found, Math.Max(total, skip + found.Count + (hasNext ? 1 : 0)), true, hasNext);
    }

    public async Task<IReadOnlyList<User>> FindByKeysAsync(Tenant tenant, IReadOnlyCollection<string> keys, int limit,
        CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return [];
        }

        // The keys as one JSON array parameter: a bulk import asks for thousands at once, and binding that many named
        // parameters costs a look-up each (quadratic); json_each feeds the same primary-key look-ups.
        return await QueryAsync("""
            SELECT doc FROM users WHERE id IN (
                SELECT user_id FROM user_keys
                WHERE company_id = $company AND application_id = $application AND key IN (SELECT value FROM json_each($keys)))
            ORDER BY created_at DESC, id DESC LIMIT $limit;
            """,
            command =>
            {
                BindTenant(command, tenant);
                command.Parameters.AddWithValue("$keys", JsonSerializer.Serialize(keys));
                command.Parameters.AddWithValue("$limit", limit);
            }, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> InsertManyAsync(IReadOnlyList<User> users, CancellationToken cancellationToken)
    {
        if (users.Count == 0)
        {
            return [];
        }

        // Each user's column values, document and keys are built before the write, on every core: the write itself is
        // the one serial step of an import.
        var rows = new BulkRow[users.Count];
        Parallel.For(0, users.Count, i => rows[i] = BulkRow.Of(users[i]));

        // Fast path: the whole batch as one write of the single writer (its connection keeps its page cache and is
        // not invalidated by a write of another connection between batches). Keys were checked before, so a taken key
        // is rare (a race); then the batch is written again user by user under savepoints, so only the users that
        // lost a key are left out.
        try
        {
            return await database.WriteAsync((connection, _, _) => Task.FromResult(InsertRows(connection, rows, perUser: false)),
                cancellationToken);
        }
        catch (SqliteException e) when (SqliteDatabase.IsUniqueViolation(e))
        {
            return await database.WriteAsync((connection, _, _) => Task.FromResult(InsertRows(connection, rows, perUser: true)),
                cancellationToken);
        }
    }

    /// <summary>
    /// Writes the rows with statements prepared once for the batch and bound by position through SQLitePCL (the
    /// per-row cost of Microsoft.Data.Sqlite's named parameters, their objects and its statement bookkeeping was most of
    /// the managed time of an import's writer). Runs inside the writer's transaction.
    /// </summary>
    private static List<string> InsertRows(SqliteConnection connection, BulkRow[] rows, bool perUser)
    {
        var db = connection.Handle!;
        var rejected = new List<string>();
        using var insert = Prepare(db,
            $"INSERT INTO users ({Columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (id) DO NOTHING;");
        using var key = Prepare(db, "INSERT INTO user_keys (company_id, application_id, key, user_id) VALUES (?1, ?2, ?3, ?4);");
        // The batch's users are counted once at its end (see InsertTrigger), in this transaction.
        Exec(db, "INSERT INTO user_counts_paused (id) VALUES (1);");
        var counted = new Dictionary<(string Company, string Application), long[]>();
        foreach (var row in rows)
        {
            if (perUser)
            {
                Exec(db, "SAVEPOINT one_user;");
            }

            try
            {
                row.BindTo(insert);
                // A user whose id is stored is one this batch already wrote (a retried batch): left as it is.
                Step(db, insert);
                var inserted = raw.sqlite3_changes(db) == 1;
                if (inserted)
                {
                    foreach (var identityKey in row.Keys)
                    {
                        raw.sqlite3_bind_text(key, 1, row.CompanyId);
                        raw.sqlite3_bind_text(key, 2, row.ApplicationId);
                        raw.sqlite3_bind_text(key, 3, identityKey);
                        raw.sqlite3_bind_text(key, 4, row.Id);
                        Step(db, key);
                    }
                }

                if (perUser)
                {
                    Exec(db, "RELEASE one_user;");
                }

                if (inserted)
                {
                    row.CountIn(counted);
                }
            }
            catch (SqliteException e) when (perUser && SqliteDatabase.IsUniqueViolation(e))
            {
                Exec(db, "ROLLBACK TO one_user;");
                Exec(db, "RELEASE one_user;");
                rejected.Add(row.Id);
            }
        }

        using (var count = Prepare(db, """
                   INSERT INTO user_counts VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)
                   ON CONFLICT (company_id, application_id) DO UPDATE SET
                       live = live + excluded.live, archived = archived + excluded.archived,
                       deleted = deleted + excluded.deleted, erased = erased + excluded.erased, generation = generation + 1;
                   """))
        {
            foreach (var ((company, application), states) in counted)
            {
                raw.sqlite3_bind_text(count, 1, company);
                raw.sqlite3_bind_text(count, 2, application);
                for (var i = 0; i < states.Length; i++)
                {
                    raw.sqlite3_bind_int64(count, 3 + i, states[i]);
                }

                Step(db, count);
            }
        }

        Exec(db, "DELETE FROM user_counts_paused;");
        return rejected;
    }

    private static sqlite3_stmt Prepare(sqlite3 db, string sql)
    {
        var rc = raw.sqlite3_prepare_v2(db, sql, out var statement);
        if (rc != raw.SQLITE_OK)
        {
            statement.Dispose();
            SqliteException.ThrowExceptionForRC(rc, db);
        }

        return statement;
    }

    /// <summary>Runs the statement to its end and resets it; a failure throws the <see cref="SqliteException"/> Microsoft.Data.Sqlite would.</summary>
    private static void Step(sqlite3 db, sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }

    private static void Exec(sqlite3 db, string sql)
    {
        var rc = raw.sqlite3_exec(db, sql);
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }

    /// <summary>A user as the <c>users</c> row and the <c>user_keys</c> rows an import batch writes.</summary>
    private sealed class BulkRow
    {
        public required string Id { get; init; }

        public required string CompanyId { get; init; }

        public required string ApplicationId { get; init; }

        public required string[] Keys { get; init; }

        private string State { get; init; } = "";

        private bool Listed { get; init; }

        private string CreatedAt { get; init; } = "";

        private string Username { get; init; } = "";

        private string? FirstName { get; init; }

        private string? LastName { get; init; }

        private string? DeleteOn { get; init; }

        private int Version { get; init; }

        private byte[] Doc { get; init; } = [];

        /// <summary>Adds this user to its application's count of users in its state (live, archived, deleted, erased).</summary>
        public void CountIn(Dictionary<(string Company, string Application), long[]> counted)
        {
            if (!counted.TryGetValue((CompanyId, ApplicationId), out var states))
            {
                counted[(CompanyId, ApplicationId)] = states = new long[4];
            }

            states[StateIndex]++;
        }

        private int StateIndex => State switch
        {
            "live" => 0,
            "archived" => 1,
            "deleted" => 2,
            _ => 3,
        };

        public static BulkRow Of(User user) => new()
        {
            Id = user.Id,
            CompanyId = user.CompanyId,
            ApplicationId = user.ApplicationId,
            Keys = user.IdentityKeys.Distinct().ToArray(),
            State = user.State.ToString().ToLowerInvariant(),
            Listed = user.State is UserState.Live or UserState.Deleted,
            CreatedAt = UtcDateTimeConverter.ToWire(user.CreatedAt),
            Username = CustomerFilter.SearchKey(user.Username) ?? "",
            FirstName = CustomerFilter.SearchKey(user.FirstName),
            LastName = CustomerFilter.SearchKey(user.LastName),
            DeleteOn = user.DeleteOn is { } on ? UtcDateTimeConverter.ToWire(on) : null,
            Version = user.Version,
            Doc = JsonSerializer.SerializeToUtf8Bytes(user, DocJson),
        };

        /// <summary>Binds the <c>users</c> insert's twelve parameters (the order of <see cref="Columns"/>).</summary>
        public void BindTo(sqlite3_stmt insert)
        {
            raw.sqlite3_bind_text(insert, 1, Id);
            raw.sqlite3_bind_text(insert, 2, CompanyId);
            raw.sqlite3_bind_text(insert, 3, ApplicationId);
            raw.sqlite3_bind_text(insert, 4, State);
            raw.sqlite3_bind_int64(insert, 5, Listed ? 1 : 0);
            raw.sqlite3_bind_text(insert, 6, CreatedAt);
            raw.sqlite3_bind_text(insert, 7, Username);
            BindNullable(insert, 8, FirstName);
            BindNullable(insert, 9, LastName);
            BindNullable(insert, 10, DeleteOn);
            raw.sqlite3_bind_int64(insert, 11, Version);
            raw.sqlite3_bind_text(insert, 12, Doc);
        }

        private static void BindNullable(sqlite3_stmt statement, int index, string? value)
        {
            if (value is null)
            {
                raw.sqlite3_bind_null(statement, index);
            }
            else
            {
                raw.sqlite3_bind_text(statement, index, value);
            }
        }
    }

    public async Task<IReadOnlyList<User>> ListByCreationAsync(Tenant tenant, UserState state, DateTime? from, DateTime to,
        (DateTime CreatedAt, string Id)? after, int take, CancellationToken cancellationToken)
    {
        // Walks ix_users_listing (company, application, listed, created_at, id) backwards: a keyset range scan.
        var where = "company_id = $company AND application_id = $application AND listed = $listed AND created_at <= $to";
        if (from is not null)
        {
            where += " AND created_at >= $from";
        }

        if (after is not null)
        {
            where += " AND (created_at, id) > ($after_created, $after_id)";
        }

        return await QueryAsync(
            $"SELECT doc FROM users WHERE {where} AND state = $state ORDER BY created_at, id LIMIT $take;",
            command =>
            {
                BindTenant(command, tenant);
                command.Parameters.AddWithValue("$listed", state is UserState.Live or UserState.Deleted ? 1 : 0);
                command.Parameters.AddWithValue("$state", state.ToString().ToLowerInvariant());
                command.Parameters.AddWithValue("$to", UtcDateTimeConverter.ToWire(to));
                if (from is { } f)
                {
                    command.Parameters.AddWithValue("$from", UtcDateTimeConverter.ToWire(f));
                }

                if (after is { } a)
                {
                    command.Parameters.AddWithValue("$after_created", UtcDateTimeConverter.ToWire(a.CreatedAt));
                    command.Parameters.AddWithValue("$after_id", a.Id);
                }

                command.Parameters.AddWithValue("$take", take);
            }, cancellationToken);
    }

    public async Task<IReadOnlyList<User>> FindDeletedDueAsync(DateTime now, int limit, CancellationToken cancellationToken) =>
        await QueryAsync("SELECT doc FROM users WHERE state = 'deleted' AND delete_on <= $now ORDER BY delete_on LIMIT $limit;",
            command =>
            {
                command.Parameters.AddWithValue("$now", UtcDateTimeConverter.ToWire(now));
                command.Parameters.AddWithValue("$limit", limit);
            }, cancellationToken);

    private Task<List<User>> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        database.ReadAsync((reader, ct) =>
        {
            var command = reader.Prepared(sql);
            bind(command);
            return ReadUsersAsync(command, ct);
        }, cancellationToken);

    private static async Task<List<User>> ReadUsersAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var users = new List<User>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(JsonSerializer.Deserialize<User>(reader.GetString(0), DocJson)!);
        }

        return users;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql) =>
        SqliteDatabase.Command(connection, transaction, sql);

    private static void BindAnchor(SqliteCommand command, ListingKey? anchor)
    {
        if (anchor is { } key)
        {
            command.Parameters.AddWithValue("$anchor_created", UtcDateTimeConverter.ToWire(key.CreatedAt));
            command.Parameters.AddWithValue("$anchor_id", key.Id);
        }
    }

    private static async Task WriteKeysAsync(SqliteConnection connection, SqliteTransaction transaction, User user,
        CancellationToken cancellationToken)
    {
        foreach (var key in user.IdentityKeys.Distinct())
        {
            var command = SqliteDatabase.Prepared(connection, transaction,
                "INSERT INTO user_keys (company_id, application_id, key, user_id) VALUES ($company, $application, $key, $user);");
            command.Parameters.AddWithValue("$company", user.CompanyId);
            command.Parameters.AddWithValue("$application", user.ApplicationId);
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$user", user.Id);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (SqliteException e) when (SqliteDatabase.IsUniqueViolation(e))
            {
                throw new IdentityTakenException(key);
            }
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
        command.Parameters.AddWithValue("$username", CustomerFilter.SearchKey(user.Username));
        command.Parameters.AddWithValue("$first", (object?)CustomerFilter.SearchKey(user.FirstName) ?? DBNull.Value);
        command.Parameters.AddWithValue("$last", (object?)CustomerFilter.SearchKey(user.LastName) ?? DBNull.Value);
        command.Parameters.AddWithValue("$delete_on",
            user.DeleteOn is { } on ? UtcDateTimeConverter.ToWire(on) : DBNull.Value);
        command.Parameters.AddWithValue("$version", user.Version);
        command.Parameters.AddWithValue("$doc", JsonSerializer.Serialize(user, DocJson));
    }

    private static void BindTenant(SqliteCommand command, Tenant tenant)
    {
        command.Parameters.AddWithValue("$company", tenant.CompanyId);
        command.Parameters.AddWithValue("$application", tenant.ApplicationId);
    }
}
