using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Attributes;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// Definitions in <c>user_attribute_definitions</c> (slug unique per application by a unique index), values in
/// <c>user_attributes</c> (one per definition and user), and what filters search in <c>user_attribute_terms</c>: one row
/// per text, number or hash term of a value, indexed by (application, company, definition, term). Writes of several
/// rows run in one transaction.
/// </summary>
internal sealed class SqliteAttributeStore(SqliteDatabase database) : IAttributeStore, IStoreInitializer
{
    private const string DefinitionColumns =
        "id, company_id, application_id, slug, name, description, type, multi_value, customer_editable, encrypted, pinned, " +
        "pin_order, default_value, validations, is_locked, created_by, updated_by, created_at, modified_at, version";

    private const string ValueColumns =
        "id, company_id, application_id, definition_id, user_id, type, value, cipher, key_id, customer_overridden, updated_by, " +
        "hidden, created_at, updated_at";

    private const string TenantWhere = "application_id = $application AND company_id = $company";

    /// <summary>Sorts after every string that starts with a given prefix (binary collation of UTF-8).</summary>
    private static readonly string PrefixEnd = char.ConvertFromUtf32(0x10FFFF);

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS user_attribute_definitions (
                id TEXT NOT NULL PRIMARY KEY,
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                slug TEXT NOT NULL,
                name TEXT NOT NULL,
                name_lc TEXT NOT NULL,
                description TEXT,
                type TEXT NOT NULL,
                multi_value INTEGER NOT NULL,
                customer_editable INTEGER NOT NULL,
                encrypted INTEGER NOT NULL,
                pinned INTEGER NOT NULL,
                pin_order INTEGER,
                default_value TEXT,
                validations TEXT NOT NULL,
                is_locked INTEGER NOT NULL,
                created_by TEXT NOT NULL,
                updated_by TEXT NOT NULL,
                created_at TEXT NOT NULL,
                modified_at TEXT NOT NULL,
                version INTEGER NOT NULL
            );
            CREATE UNIQUE INDEX IF NOT EXISTS ux_attribute_definitions_slug
                ON user_attribute_definitions (application_id, company_id, slug);
            CREATE INDEX IF NOT EXISTS ix_attribute_definitions_list
                ON user_attribute_definitions (application_id, company_id, pinned, pin_order, created_at);

            CREATE TABLE IF NOT EXISTS user_attributes (
                id TEXT NOT NULL PRIMARY KEY,
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                definition_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                type TEXT NOT NULL,
                value TEXT,
                cipher TEXT,
                key_id TEXT,
                customer_overridden INTEGER NOT NULL,
                updated_by TEXT NOT NULL,
                hidden INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE UNIQUE INDEX IF NOT EXISTS ux_user_attributes_definition_user
                ON user_attributes (application_id, company_id, definition_id, user_id);
            CREATE INDEX IF NOT EXISTS ix_user_attributes_definition_visible
                ON user_attributes (application_id, company_id, definition_id, hidden, user_id);
            CREATE INDEX IF NOT EXISTS ix_user_attributes_user
                ON user_attributes (application_id, company_id, user_id, created_at);
            CREATE INDEX IF NOT EXISTS ix_user_attributes_key
                ON user_attributes (application_id, company_id, key_id) WHERE cipher IS NOT NULL;

            CREATE TABLE IF NOT EXISTS user_attribute_terms (
                attribute_id TEXT NOT NULL,
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                definition_id TEXT NOT NULL,
                user_id TEXT NOT NULL,
                text_term TEXT,
                number_term REAL,
                hash_term TEXT,
                hidden INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_attribute_terms_text
                ON user_attribute_terms (application_id, company_id, definition_id, text_term, hidden, user_id);
            CREATE INDEX IF NOT EXISTS ix_attribute_terms_number
                ON user_attribute_terms (application_id, company_id, definition_id, number_term, hidden, user_id);
            CREATE INDEX IF NOT EXISTS ix_attribute_terms_hash
                ON user_attribute_terms (application_id, company_id, definition_id, hash_term, hidden, user_id);
            CREATE INDEX IF NOT EXISTS ix_attribute_terms_attribute ON user_attribute_terms (attribute_id);
            CREATE INDEX IF NOT EXISTS ix_attribute_terms_user ON user_attribute_terms (application_id, company_id, user_id);
            """, cancellationToken);
    }

    // ------------------------------------------------------------------ definitions

    public async Task InsertDefinitionAsync(AttributeDefinition definition, CancellationToken cancellationToken)
    {
        try
        {
            await database.WriteAsync(async (connection, transaction, ct) =>
            {
                await using var command = SqliteDatabase.Command(connection, transaction, $"""
                    INSERT INTO user_attribute_definitions ({DefinitionColumns}, name_lc) VALUES ($id, $company, $application, $slug, $name,
                        $description, $type, $multi_value, $customer_editable, $encrypted, $pinned, $pin_order, $default_value, $validations,
                        $is_locked, $created_by, $updated_by, $created_at, $modified_at, $version, $name_lc);
                    """);
                BindDefinition(command, definition);
                await command.ExecuteNonQueryAsync(ct);
            }, cancellationToken);
        }
        catch (SqliteException e) when (SqliteDatabase.IsUniqueViolation(e))
        {
            throw new DuplicateSlugException();
        }
    }

    public async Task<AttributeDefinition?> FindDefinitionAsync(Tenant tenant, string id, CancellationToken cancellationToken) =>
        (await QueryDefinitionsAsync($"SELECT {DefinitionColumns} FROM user_attribute_definitions WHERE id = $id AND {TenantWhere};",
            command =>
            {
                BindTenant(command, tenant);
                command.Parameters.AddWithValue("$id", id);
            }, cancellationToken)).FirstOrDefault();

    public async Task<IReadOnlyList<AttributeDefinition>> FindDefinitionsAsync(Tenant tenant, IReadOnlyCollection<string> ids,
        CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        return await QueryDefinitionsAsync(
            $"SELECT {DefinitionColumns} FROM user_attribute_definitions WHERE id IN ({SqliteDatabase.Placeholders("$i", ids.Count)}) AND {TenantWhere};",
            command =>
            {
                BindTenant(command, tenant);
                SqliteDatabase.BindList(command, "$i", ids);
            }, cancellationToken);
    }

    public async Task<AttributeDefinition?> FindDefinitionBySlugAsync(Tenant tenant, string slug, CancellationToken cancellationToken) =>
        (await QueryDefinitionsAsync($"SELECT {DefinitionColumns} FROM user_attribute_definitions WHERE {TenantWhere} AND slug = $slug;",
            command =>
            {
                BindTenant(command, tenant);
                command.Parameters.AddWithValue("$slug", slug);
            }, cancellationToken)).FirstOrDefault();

    public async Task<(IReadOnlyList<AttributeDefinition> Items, long Total)> ListDefinitionsAsync(Tenant tenant, DefinitionFilter filter,
        int skip, int take, CancellationToken cancellationToken)
    {
        var where = new StringBuilder(TenantWhere);
        void Bind(SqliteCommand command)
        {
            BindTenant(command, tenant);
            if (filter.ExcludingIds.Count > 0)
            {
                SqliteDatabase.BindList(command, "$x", filter.ExcludingIds);
            }

            Optional(command, "$slug", filter.Slug);
            Optional(command, "$type", filter.Type);
            Optional(command, "$customer_editable", filter.CustomerEditable);
            Optional(command, "$encrypted", filter.Encrypted);
            Optional(command, "$pinned", filter.Pinned);
            Optional(command, "$pin_order", filter.PinOrder);
            Optional(command, "$is_locked", filter.IsLocked);
            Optional(command, "$name", filter.Name?.ToLowerInvariant());
        }

        if (filter.ExcludingIds.Count > 0)
        {
            where.Append(CultureInfo.InvariantCulture, $" AND id NOT IN ({SqliteDatabase.Placeholders("$x", filter.ExcludingIds.Count)})");
        }

        where.Append(filter.Slug is null ? "" : " AND slug = $slug")
            .Append(filter.Type is null ? "" : " AND type = $type")
            .Append(filter.CustomerEditable is null ? "" : " AND customer_editable = $customer_editable")
            .Append(filter.Encrypted is null ? "" : " AND encrypted = $encrypted")
            .Append(filter.Pinned is null ? "" : " AND pinned = $pinned")
            .Append(filter.PinOrder is null ? "" : " AND pin_order = $pin_order")
            .Append(filter.IsLocked is null ? "" : " AND is_locked = $is_locked")
            .Append(filter.Name is null ? "" : " AND instr(name_lc, $name) > 0");

        var items = await QueryDefinitionsAsync($"""
            SELECT {DefinitionColumns} FROM user_attribute_definitions WHERE {where}
            ORDER BY pinned DESC, CASE WHEN pinned = 1 THEN coalesce(pin_order, 2147483647) END, created_at DESC, id DESC
            LIMIT $take OFFSET $skip;
            """, command =>
        {
            Bind(command);
            command.Parameters.AddWithValue("$take", take);
            command.Parameters.AddWithValue("$skip", skip);
        }, cancellationToken);

        var total = await database.CountAsync($"SELECT COUNT(*) FROM user_attribute_definitions WHERE {where};", Bind, cancellationToken);
        return (items, total);
    }

    public async Task<bool> ReplaceDefinitionAsync(AttributeDefinition definition, int expectedVersion, CancellationToken cancellationToken)
    {
        try
        {
            return await database.WriteAsync(async (connection, transaction, ct) =>
            {
                await using var command = SqliteDatabase.Command(connection, transaction, $"""
                    UPDATE user_attribute_definitions SET slug = $slug, name = $name, name_lc = $name_lc, description = $description,
                        type = $type, multi_value = $multi_value, customer_editable = $customer_editable, encrypted = $encrypted,
                        pinned = $pinned, pin_order = $pin_order, default_value = $default_value, validations = $validations,
                        is_locked = $is_locked, updated_by = $updated_by, modified_at = $modified_at, version = $version
                    WHERE id = $id AND {TenantWhere} AND version = $expected;
                    """);
                BindDefinition(command, definition);
                command.Parameters.AddWithValue("$expected", expectedVersion);
                return await command.ExecuteNonQueryAsync(ct) == 1;
            }, cancellationToken);
        }
        catch (SqliteException e) when (SqliteDatabase.IsUniqueViolation(e))
        {
            throw new DuplicateSlugException();
        }
    }

    public Task<bool> DeleteDefinitionAsync(Tenant tenant, string id, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction, ct) =>
        {
            await using var command = SqliteDatabase.Command(connection, transaction, $"""
                DELETE FROM user_attribute_terms WHERE {TenantWhere} AND definition_id = $id;
                DELETE FROM user_attributes WHERE {TenantWhere} AND definition_id = $id;
                DELETE FROM user_attribute_definitions WHERE {TenantWhere} AND id = $id;
                SELECT changes();
                """);
            BindTenant(command, tenant);
            command.Parameters.AddWithValue("$id", id);
            return (long)(await command.ExecuteScalarAsync(ct))! == 1;
        }, cancellationToken);

    public async Task<bool> HasValuesAsync(Tenant tenant, string definitionId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT 1 FROM user_attributes WHERE {TenantWhere} AND definition_id = $definition LIMIT 1;";
        BindTenant(command, tenant);
        command.Parameters.AddWithValue("$definition", definitionId);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    // ------------------------------------------------------------------ values

    public Task<IReadOnlyList<UserAttribute>> UpsertValuesAsync(Tenant tenant, IReadOnlyList<UserAttribute> values,
        CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction, ct) => UpsertValuesAsync(connection, transaction, tenant, values, ct), cancellationToken);

    /// <summary>The values' rows and terms, in the single writer's transaction (with the request's audit record).</summary>
    private static async Task<IReadOnlyList<UserAttribute>> UpsertValuesAsync(SqliteConnection connection, SqliteTransaction transaction,
        Tenant tenant, IReadOnlyList<UserAttribute> values, CancellationToken cancellationToken)
    {
        foreach (var value in values)
        {
            await using (var upsert = connection.CreateCommand())
            {
                upsert.Transaction = transaction;
                upsert.CommandText = $"""
                    INSERT INTO user_attributes ({ValueColumns}) VALUES ($id, $company, $application, $definition, $user, $type,
                        $value, $cipher, $key_id, $customer_overridden, $updated_by, 0, $created_at, $updated_at)
                    ON CONFLICT (application_id, company_id, definition_id, user_id) DO UPDATE SET type = excluded.type,
                        value = excluded.value, cipher = excluded.cipher, key_id = excluded.key_id,
                        customer_overridden = excluded.customer_overridden, updated_by = excluded.updated_by, hidden = 0,
                        updated_at = excluded.updated_at
                    RETURNING id, created_at;
                    """;
                upsert.Parameters.AddWithValue("$id", value.Id);
                upsert.Parameters.AddWithValue("$company", tenant.CompanyId);
                upsert.Parameters.AddWithValue("$application", tenant.ApplicationId);
                upsert.Parameters.AddWithValue("$definition", value.DefinitionId);
                upsert.Parameters.AddWithValue("$user", value.UserId);
                upsert.Parameters.AddWithValue("$type", value.Type);
                upsert.Parameters.AddWithValue("$value", (object?)value.Value ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$cipher", (object?)value.Cipher ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$key_id", (object?)value.KeyId ?? DBNull.Value);
                upsert.Parameters.AddWithValue("$customer_overridden", value.CustomerOverridden);
                upsert.Parameters.AddWithValue("$updated_by", value.UpdatedBy);
                upsert.Parameters.AddWithValue("$created_at", Wire(value.CreatedAt));
                upsert.Parameters.AddWithValue("$updated_at", Wire(value.UpdatedAt));
                await using var reader = await upsert.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                value.Id = reader.GetString(0);
                value.CreatedAt = Parse(reader.GetString(1));
                value.Hidden = false;
            }

            await using var terms = connection.CreateCommand();
            terms.Transaction = transaction;
            var sql = new StringBuilder("DELETE FROM user_attribute_terms WHERE attribute_id = $id;");
            terms.Parameters.AddWithValue("$id", value.Id);
            terms.Parameters.AddWithValue("$company", tenant.CompanyId);
            terms.Parameters.AddWithValue("$application", tenant.ApplicationId);
            terms.Parameters.AddWithValue("$definition", value.DefinitionId);
            terms.Parameters.AddWithValue("$user", value.UserId);
            var n = 0;
            void Term(string column, object term)
            {
                var name = "$t" + (n++).ToString(CultureInfo.InvariantCulture);
                sql.Append(CultureInfo.InvariantCulture, $"""
                    INSERT INTO user_attribute_terms (attribute_id, company_id, application_id, definition_id, user_id, {column}, hidden)
                    VALUES ($id, $company, $application, $definition, $user, {name}, 0);
                    """);
                terms.Parameters.AddWithValue(name, term);
            }

            value.TextTerms.ForEach(t => Term("text_term", t));
            value.NumberTerms.ForEach(t => Term("number_term", t));
            value.HashTerms.ForEach(t => Term("hash_term", t));
            terms.CommandText = sql.ToString();
            await terms.ExecuteNonQueryAsync(cancellationToken);
        }

        return values;
    }

    public async Task<UserAttribute?> FindValueAsync(Tenant tenant, string definitionId, string userId, CancellationToken cancellationToken) =>
        (await QueryValuesAsync($"SELECT {ValueColumns} FROM user_attributes WHERE {TenantWhere} AND definition_id = $definition AND user_id = $user;",
            command =>
            {
                BindTenant(command, tenant);
                command.Parameters.AddWithValue("$definition", definitionId);
                command.Parameters.AddWithValue("$user", userId);
            }, cancellationToken)).FirstOrDefault();

    public async Task<UserAttribute?> FindValueByIdAsync(Tenant tenant, string id, CancellationToken cancellationToken) =>
        (await QueryValuesAsync($"SELECT {ValueColumns} FROM user_attributes WHERE id = $id AND {TenantWhere};",
            command =>
            {
                BindTenant(command, tenant);
                command.Parameters.AddWithValue("$id", id);
            }, cancellationToken)).FirstOrDefault();

    public async Task<(IReadOnlyList<UserAttribute> Items, long Total)> ListValuesOfUserAsync(Tenant tenant, string userId, int skip,
        int take, CancellationToken cancellationToken)
    {
        var items = await QueryValuesAsync($"""
            SELECT {ValueColumns} FROM user_attributes WHERE {TenantWhere} AND user_id = $user
            ORDER BY created_at, id LIMIT $take OFFSET $skip;
            """, command =>
        {
            BindTenant(command, tenant);
            command.Parameters.AddWithValue("$user", userId);
            command.Parameters.AddWithValue("$take", take);
            command.Parameters.AddWithValue("$skip", skip);
        }, cancellationToken);
        var total = await database.CountAsync($"SELECT COUNT(*) FROM user_attributes WHERE {TenantWhere} AND user_id = $user;", count =>
        {
            BindTenant(count, tenant);
            count.Parameters.AddWithValue("$user", userId);
        }, cancellationToken);
        return (items, total);
    }

    public async Task<IReadOnlyList<UserAttribute>> FindValuesOfUsersAsync(Tenant tenant, IReadOnlyCollection<string> userIds,
        IReadOnlyCollection<string>? definitionIds, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0 || definitionIds is { Count: 0 })
        {
            return [];
        }

        var definitions = definitionIds is null ? "" : $" AND definition_id IN ({SqliteDatabase.Placeholders("$d", definitionIds.Count)})";
        return await QueryValuesAsync($"""
            SELECT {ValueColumns} FROM user_attributes
            WHERE {TenantWhere} AND user_id IN ({SqliteDatabase.Placeholders("$u", userIds.Count)}){definitions}
            ORDER BY user_id, created_at, id;
            """, command =>
        {
            BindTenant(command, tenant);
            SqliteDatabase.BindList(command, "$u", userIds);
            if (definitionIds is not null)
            {
                SqliteDatabase.BindList(command, "$d", definitionIds);
            }
        }, cancellationToken);
    }

    public async Task<long> DeleteValuesAsync(Tenant tenant, string userId, IReadOnlyCollection<string>? definitionIds,
        CancellationToken cancellationToken)
    {
        if (definitionIds is { Count: 0 })
        {
            return 0;
        }

        var definitions = definitionIds is null ? "" : $" AND definition_id IN ({SqliteDatabase.Placeholders("$d", definitionIds.Count)})";
        return await database.WriteAsync(async (connection, transaction, ct) =>
        {
            await using var command = SqliteDatabase.Command(connection, transaction, $"""
                DELETE FROM user_attribute_terms WHERE attribute_id IN (
                    SELECT id FROM user_attributes WHERE {TenantWhere} AND user_id = $user{definitions});
                DELETE FROM user_attributes WHERE {TenantWhere} AND user_id = $user{definitions};
                SELECT changes();
                """);
            BindTenant(command, tenant);
            command.Parameters.AddWithValue("$user", userId);
            if (definitionIds is not null)
            {
                SqliteDatabase.BindList(command, "$d", definitionIds);
            }

            return (long)(await command.ExecuteScalarAsync(ct))!;
        }, cancellationToken);
    }

    public Task SetHiddenAsync(Tenant tenant, string userId, bool hidden, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction, ct) =>
        {
            await using var command = SqliteDatabase.Command(connection, transaction, $"""
                UPDATE user_attributes SET hidden = $hidden WHERE {TenantWhere} AND user_id = $user;
                UPDATE user_attribute_terms SET hidden = $hidden WHERE {TenantWhere} AND user_id = $user;
                """);
            BindTenant(command, tenant);
            command.Parameters.AddWithValue("$user", userId);
            command.Parameters.AddWithValue("$hidden", hidden);
            await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);

    // ------------------------------------------------------------------ filtering

    public async Task<(IReadOnlyList<string> UserIds, long Total)> FindUserIdsAsync(Tenant tenant, StoreFilter filter, int skip, int take,
        CancellationToken cancellationToken)
    {
        if (filter.Conditions.Count == 0 || filter.UserIds is { Count: 0 })
        {
            return ([], 0);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var (matched, among) = MatchedSql(command, tenant, filter);

        command.CommandText = $"""
            WITH matched(user_id) AS ({matched})
            SELECT user_id, COUNT(*) OVER () FROM matched{among} ORDER BY user_id LIMIT $take OFFSET $skip;
            """;
        command.Parameters.AddWithValue("$take", take);
        command.Parameters.AddWithValue("$skip", skip);
        var ids = new List<string>();
        long total = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetString(0));
                total = reader.GetInt64(1);
            }
        }

        if (ids.Count == 0 && skip > 0)
        {
            // Past the last page: the window count had no row to ride on.
            command.CommandText = $"WITH matched(user_id) AS ({matched}) SELECT COUNT(*) FROM matched{among};";
            total = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        return (ids, total);
    }

    /// <summary>
    /// The matching user ids as a compound SELECT (one arm per condition, INTERSECT for and, UNION for or) and the
    /// WHERE that narrows them to the given users; binds the parameters on <paramref name="command"/>.
    /// </summary>
    internal static (string Matched, string Among) MatchedSql(SqliteCommand command, Tenant tenant, StoreFilter filter)
    {
        BindTenant(command, tenant);
        var arms = filter.Conditions.Select((c, i) => Arm(command, c, i)).ToList();
        var matched = string.Join(filter.MatchAll ? "\nINTERSECT\n" : "\nUNION\n", arms);
        var among = "";
        if (filter.UserIds is not null)
        {
            among = $" WHERE user_id IN ({SqliteDatabase.Placeholders("$among", filter.UserIds.Count)})";
            SqliteDatabase.BindList(command, "$among", filter.UserIds);
        }

        return (matched, among);
    }

    /// <summary>One condition as a SELECT of user ids, on the term index of its definition.</summary>
    private static string Arm(SqliteCommand command, StoreCondition condition, int i)
    {
        var p = "$c" + i.ToString(CultureInfo.InvariantCulture);
        command.Parameters.AddWithValue(p + "d", condition.DefinitionId);
        var column = condition.Kind switch
        {
            TermKind.Number => "number_term",
            TermKind.Hash => "hash_term",
            _ => "text_term",
        };
        List<object> operands = condition.Kind == TermKind.Number
            ? condition.Numbers.Cast<object>().ToList()
            : condition.Text.Cast<object>().ToList();
        for (var k = 0; k < operands.Count; k++)
        {
            command.Parameters.AddWithValue($"{p}v{k}", operands[k]);
        }

        var v = p + "v0";
        var predicate = condition.Match switch
        {
            TermMatch.In => $"{column} IN ({SqliteDatabase.Placeholders(p + "v", operands.Count)})",
            TermMatch.Gt => $"{column} > {v}",
            TermMatch.Gte => $"{column} >= {v}",
            TermMatch.Lt => $"{column} < {v}",
            TermMatch.Lte => $"{column} <= {v}",
            TermMatch.Between => $"{column} BETWEEN {v} AND {p}v1",
            TermMatch.Contains => $"{column} IS NOT NULL AND instr({column}, {v}) > 0",
            TermMatch.StartsWith => $"{column} >= {v} AND {column} < {p}end AND substr({column}, 1, length({v})) = {v}",
            _ => $"{column} IS NOT NULL AND length({column}) >= length({v}) AND substr({column}, -length({v})) = {v}",
        };
        if (condition.Match == TermMatch.StartsWith)
        {
            command.Parameters.AddWithValue(p + "end", condition.Text[0] + PrefixEnd);
        }

        // INDEXED BY: without statistics the planner may prefer an index in user_id order (for DISTINCT / ORDER BY) and
        // read the whole application; a condition always starts from its definition's term index.
        var terms = $"""
            SELECT user_id FROM user_attribute_terms INDEXED BY ix_attribute_terms_{column[..column.IndexOf('_', StringComparison.Ordinal)]}
            WHERE {TenantWhere} AND definition_id = {p}d AND {predicate} AND hidden = 0
            """;
        return condition.Negated
            ? $"SELECT user_id FROM (SELECT user_id FROM user_attributes INDEXED BY ix_user_attributes_definition_visible " +
              $"WHERE {TenantWhere} AND definition_id = {p}d AND hidden = 0 EXCEPT SELECT user_id FROM ({terms}))"
            : $"SELECT DISTINCT user_id FROM ({terms})";
    }

    // ------------------------------------------------------------------ re-encryption

    public async Task<IReadOnlyList<UserAttribute>> FindEncryptedNotUnderKeyAsync(Tenant tenant, string keyId, int limit,
        CancellationToken cancellationToken) =>
        await QueryValuesAsync($"""
            SELECT {ValueColumns} FROM user_attributes
            WHERE {TenantWhere} AND cipher IS NOT NULL AND key_id <> $key LIMIT $limit;
            """, command =>
        {
            BindTenant(command, tenant);
            command.Parameters.AddWithValue("$key", keyId);
            command.Parameters.AddWithValue("$limit", limit);
        }, cancellationToken);

    public async Task<bool> ReplaceCipherAsync(Tenant tenant, string id, string oldKeyId, string cipher, string keyId,
        CancellationToken cancellationToken)
    {
        return await database.WriteCommandAsync(
            $"UPDATE user_attributes SET cipher = $cipher, key_id = $key WHERE id = $id AND {TenantWhere} AND key_id = $old;",
            command =>
            {
                BindTenant(command, tenant);
                command.Parameters.AddWithValue("$id", id);
                command.Parameters.AddWithValue("$cipher", cipher);
                command.Parameters.AddWithValue("$key", keyId);
                command.Parameters.AddWithValue("$old", oldKeyId);
            }, cancellationToken) == 1;
    }

    // ------------------------------------------------------------------ mapping

    private static void BindDefinition(SqliteCommand command, AttributeDefinition d)
    {
        command.Parameters.AddWithValue("$id", d.Id);
        command.Parameters.AddWithValue("$company", d.CompanyId);
        command.Parameters.AddWithValue("$application", d.ApplicationId);
        command.Parameters.AddWithValue("$slug", d.Slug);
        command.Parameters.AddWithValue("$name", d.Name);
        command.Parameters.AddWithValue("$name_lc", d.Name.ToLowerInvariant());
        command.Parameters.AddWithValue("$description", (object?)d.Description ?? DBNull.Value);
        command.Parameters.AddWithValue("$type", d.Type);
        command.Parameters.AddWithValue("$multi_value", d.MultiValue);
        command.Parameters.AddWithValue("$customer_editable", d.CustomerEditable);
        command.Parameters.AddWithValue("$encrypted", d.Encrypted);
        command.Parameters.AddWithValue("$pinned", d.Pinned);
        command.Parameters.AddWithValue("$pin_order", (object?)d.PinOrder ?? DBNull.Value);
        command.Parameters.AddWithValue("$default_value", (object?)d.DefaultValue ?? DBNull.Value);
        command.Parameters.AddWithValue("$validations", ValidationsText(d.Validations));
        command.Parameters.AddWithValue("$is_locked", d.IsLocked);
        command.Parameters.AddWithValue("$created_by", d.CreatedBy);
        command.Parameters.AddWithValue("$updated_by", d.UpdatedBy);
        command.Parameters.AddWithValue("$created_at", Wire(d.CreatedAt));
        command.Parameters.AddWithValue("$modified_at", Wire(d.ModifiedAt));
        command.Parameters.AddWithValue("$version", d.Version);
    }

    /// <summary>The stored form of validations: <c>[{"type": ..., "value": ...}]</c>.</summary>
    private static string ValidationsText(List<AttributeValidation> validations) =>
        new JsonArray(validations.Select(v => (JsonNode)new JsonObject
        {
            ["type"] = v.Type,
            ["value"] = JsonNode.Parse(v.Value),
        }).ToArray()).ToJsonString();

    private static List<AttributeValidation> ParseValidations(string text) =>
        JsonNode.Parse(text)!.AsArray().Select(n => new AttributeValidation
        {
            Type = n!["type"]!.GetValue<string>(),
            Value = n["value"]?.ToJsonString() ?? "null",
        }).ToList();

    private Task<List<AttributeDefinition>> QueryDefinitionsAsync(string sql, Action<SqliteCommand> bind,
        CancellationToken cancellationToken) =>
        database.QueryAsync(sql, bind, reader => new AttributeDefinition
        {
            Id = reader.GetString(0),
            CompanyId = reader.GetString(1),
            ApplicationId = reader.GetString(2),
            Slug = reader.GetString(3),
            Name = reader.GetString(4),
            Description = reader.IsDBNull(5) ? null : reader.GetString(5),
            Type = reader.GetString(6),
            MultiValue = reader.GetBoolean(7),
            CustomerEditable = reader.GetBoolean(8),
            Encrypted = reader.GetBoolean(9),
            Pinned = reader.GetBoolean(10),
            PinOrder = reader.IsDBNull(11) ? null : reader.GetInt32(11),
            DefaultValue = reader.IsDBNull(12) ? null : reader.GetString(12),
            Validations = ParseValidations(reader.GetString(13)),
            IsLocked = reader.GetBoolean(14),
            CreatedBy = reader.GetString(15),
            UpdatedBy = reader.GetString(16),
            CreatedAt = Parse(reader.GetString(17)),
            ModifiedAt = Parse(reader.GetString(18)),
            Version = reader.GetInt32(19),
        }, cancellationToken);

    private Task<List<UserAttribute>> QueryValuesAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        database.QueryAsync(sql, bind, reader => new UserAttribute
        {
            Id = reader.GetString(0),
            CompanyId = reader.GetString(1),
            ApplicationId = reader.GetString(2),
            DefinitionId = reader.GetString(3),
            UserId = reader.GetString(4),
            Type = reader.GetString(5),
            Value = reader.IsDBNull(6) ? null : reader.GetString(6),
            Cipher = reader.IsDBNull(7) ? null : reader.GetString(7),
            KeyId = reader.IsDBNull(8) ? null : reader.GetString(8),
            CustomerOverridden = reader.GetBoolean(9),
            UpdatedBy = reader.GetString(10),
            Hidden = reader.GetBoolean(11),
            CreatedAt = Parse(reader.GetString(12)),
            UpdatedAt = Parse(reader.GetString(13)),
        }, cancellationToken);

    private static void Optional(SqliteCommand command, string name, object? value)
    {
        if (value is not null)
        {
            command.Parameters.AddWithValue(name, value);
        }
    }

    private static void BindTenant(SqliteCommand command, Tenant tenant)
    {
        command.Parameters.AddWithValue("$company", tenant.CompanyId);
        command.Parameters.AddWithValue("$application", tenant.ApplicationId);
    }

    private static string Wire(DateTime value) => UtcDateTimeConverter.ToWire(value);

    private static DateTime Parse(string value) =>
        DateTime.SpecifyKind(DateTime.ParseExact(value, UtcDateTimeConverter.Format, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc);
}
