using System.Text.Json;
using Microsoft.Data.Sqlite;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Audit;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// Audit records and timeline events in <c>audit_entries</c>: the columns every query filters or sorts on, and the rest
/// as a JSON document of this store's own fixed shape (<see cref="Document"/>). Times are Unix milliseconds; the ids are
/// ObjectIds, so (at, id) orders records by time.
/// </summary>
internal sealed class SqliteAuditStore(SqliteDatabase database) : IAuditStore, IStoreInitializer
{
    private static readonly JsonSerializerOptions DocumentJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private const string Columns = "id, company_id, application_id, kind, user_id, at, expires_at, data";

    public bool ExpiresByItself => false;

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS audit_entries (
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                id TEXT NOT NULL,
                kind TEXT NOT NULL,
                user_id TEXT NOT NULL,
                at INTEGER NOT NULL,
                expires_at INTEGER,
                data TEXT NOT NULL,
                PRIMARY KEY (company_id, application_id, id)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS ix_audit_entries_kind ON audit_entries (company_id, application_id, kind, at DESC, id DESC);
            CREATE INDEX IF NOT EXISTS ix_audit_entries_user ON audit_entries (company_id, application_id, user_id, kind, at DESC, id DESC);
            CREATE INDEX IF NOT EXISTS ix_audit_entries_expiry ON audit_entries (expires_at) WHERE expires_at IS NOT NULL;
            """, cancellationToken);
    }

    public Task AppendAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken) =>
        entries.Count == 0 ? Task.CompletedTask : database.WriteAsync(
            (connection, transaction, ct) => InsertAsync(connection, transaction, entries, "INSERT OR REPLACE", ct), cancellationToken);

    public Task<AuditWriteAhead> WriteAheadAsync(IReadOnlyCollection<AuditEntry> entries, CancellationToken cancellationToken) =>
        Task.FromResult<AuditWriteAhead>(new Enlisted(new SqliteEnlistment(
            (connection, transaction, ct) => InsertAsync(connection, transaction, entries, "INSERT OR REPLACE", ct))));

    public Task ReplaceAsync(IReadOnlyCollection<AuditEntry> entries, IReadOnlyCollection<AuditEntry> remove,
        CancellationToken cancellationToken) =>
        entries.Count == 0 && remove.Count == 0 ? Task.CompletedTask : database.WriteAsync(async (connection, transaction, ct) =>
        {
            var kept = entries.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
            await using (var delete = SqliteDatabase.Command(connection, transaction,
                "DELETE FROM audit_entries WHERE company_id = $company AND application_id = $application AND id = $id;"))
            {
                var company = delete.Parameters.Add("$company", SqliteType.Text);
                var application = delete.Parameters.Add("$application", SqliteType.Text);
                var id = delete.Parameters.Add("$id", SqliteType.Text);
                foreach (var entry in remove.Where(r => !kept.Contains(r.Id)))
                {
                    company.Value = entry.CompanyId;
                    application.Value = entry.ApplicationId;
                    id.Value = entry.Id;
                    await delete.ExecuteNonQueryAsync(ct);
                }
            }

            await InsertAsync(connection, transaction, entries, "INSERT OR REPLACE", ct);
        }, cancellationToken);

    private static async Task InsertAsync(SqliteConnection connection, SqliteTransaction transaction,
        IReadOnlyCollection<AuditEntry> entries, string insert, CancellationToken ct)
    {
        {
            // Prepared once on the writer's connection: this insert runs with nearly every write of the API.
            var command = SqliteDatabase.Prepared(connection, transaction, $"""
                {insert} INTO audit_entries ({Columns})
                VALUES ($id, $company, $application, $kind, $user, $at, $expires_at, $data);
                """);
            var id = command.Parameters.Add("$id", SqliteType.Text);
            var company = command.Parameters.Add("$company", SqliteType.Text);
            var application = command.Parameters.Add("$application", SqliteType.Text);
            var kind = command.Parameters.Add("$kind", SqliteType.Text);
            var user = command.Parameters.Add("$user", SqliteType.Text);
            var at = command.Parameters.Add("$at", SqliteType.Integer);
            var expires = command.Parameters.Add("$expires_at", SqliteType.Integer);
            var data = command.Parameters.Add("$data", SqliteType.Text);
            foreach (var entry in entries)
            {
                id.Value = entry.Id;
                company.Value = entry.CompanyId;
                application.Value = entry.ApplicationId;
                kind.Value = entry.Kind;
                user.Value = entry.UserId;
                at.Value = Ms(entry.At);
                expires.Value = entry.ExpiresAt is { } e ? Ms(e) : DBNull.Value;
                data.Value = JsonSerializer.Serialize(Document.Of(entry), DocumentJson);
                await command.ExecuteNonQueryAsync(ct);
            }
        }
    }

    /// <summary>Records that ride with the request's first write through the single writer (same transaction).</summary>
    private sealed class Enlisted(SqliteEnlistment enlistment) : AuditWriteAhead
    {
        public override bool MayBeStored => enlistment.Carried;

        public override IDisposable? Enter() => enlistment.Enter();
    }

    public async Task<AuditPage> ListAsync(Tenant tenant, string kind, string? userId, int skip, int limit,
        CancellationToken cancellationToken)
    {
        var where = "company_id = $company AND application_id = $application AND kind = $kind" +
                    (userId is null ? "" : " AND user_id = $user");
        void Bind(SqliteCommand command)
        {
            BindTenant(command, tenant);
            command.Parameters.AddWithValue("$kind", kind);
            if (userId is not null)
            {
                command.Parameters.AddWithValue("$user", userId);
            }
        }

        var total = await database.CountAsync($"SELECT COUNT(*) FROM audit_entries WHERE {where};", Bind, cancellationToken);
        var items = await database.QueryAsync(
            $"SELECT {Columns} FROM audit_entries WHERE {where} ORDER BY at DESC, id DESC LIMIT $limit OFFSET $skip;",
            command =>
            {
                Bind(command);
                command.Parameters.AddWithValue("$limit", limit);
                command.Parameters.AddWithValue("$skip", skip);
            }, Map, cancellationToken);
        return new AuditPage(items, total);
    }

    public async Task<IReadOnlyList<AuditEntry>> EventsOfAsync(Tenant tenant, string userId, CancellationToken cancellationToken)
    {
        var found = await database.QueryAsync($"""
            SELECT {Columns} FROM audit_entries
            WHERE company_id = $company AND application_id = $application AND user_id = $user AND kind = $kind
            ORDER BY at, id;
            """, command =>
        {
            BindTenant(command, tenant);
            command.Parameters.AddWithValue("$user", userId);
            command.Parameters.AddWithValue("$kind", AuditKinds.Event);
        }, Map, cancellationToken);
        return found;
    }

    public Task ClearEventSubTitlesAsync(Tenant tenant, string userId, CancellationToken cancellationToken) =>
        database.WriteCommandAsync("""
            UPDATE audit_entries SET data = json_remove(data, '$.sub_title')
            WHERE company_id = $company AND application_id = $application AND user_id = $user AND kind = $kind;
            """, command =>
        {
            BindTenant(command, tenant);
            command.Parameters.AddWithValue("$user", userId);
            command.Parameters.AddWithValue("$kind", AuditKinds.Event);
        }, cancellationToken);

    public Task<int> DeleteExpiredAsync(DateTime now, int limit, CancellationToken cancellationToken) =>
        database.WriteCommandAsync("""
            DELETE FROM audit_entries WHERE (company_id, application_id, id) IN (
                SELECT company_id, application_id, id FROM audit_entries
                WHERE expires_at IS NOT NULL AND expires_at <= $now LIMIT $limit);
            """, command =>
        {
            command.Parameters.AddWithValue("$now", Ms(now));
            command.Parameters.AddWithValue("$limit", limit);
        }, cancellationToken);

    private static void BindTenant(SqliteCommand command, Tenant tenant)
    {
        command.Parameters.AddWithValue("$company", tenant.CompanyId);
        command.Parameters.AddWithValue("$application", tenant.ApplicationId);
    }

    private static AuditEntry Map(SqliteDataReader reader)
    {
        var entry = new AuditEntry
        {
            Id = reader.GetString(0),
            CompanyId = reader.GetString(1),
            ApplicationId = reader.GetString(2),
            Kind = reader.GetString(3),
            UserId = reader.GetString(4),
            At = FromMs(reader.GetInt64(5)),
            ExpiresAt = reader.IsDBNull(6) ? null : FromMs(reader.GetInt64(6)),
        };
        (JsonSerializer.Deserialize<Document>(reader.GetString(7), DocumentJson) ?? new Document()).ApplyTo(entry);
        return entry;
    }

    private static long Ms(DateTime value) => new DateTimeOffset(value, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static DateTime FromMs(long value) => DateTimeOffset.FromUnixTimeMilliseconds(value).UtcDateTime;

    /// <summary>The stored JSON of a record's other fields (this store's own shape, never the API's).</summary>
    internal sealed class Document
    {
        public string? ClientId { get; set; }

        public string? Method { get; set; }

        public string? Operation { get; set; }

        public string? RequestId { get; set; }

        public int? Status { get; set; }

        public List<string[]>? Resources { get; set; }

        public List<string[]>? Changes { get; set; }

        public string? EventType { get; set; }

        public string? Title { get; set; }

        public string? SubTitle { get; set; }

        public bool? Visible { get; set; }

        public static Document Of(AuditEntry e) => e.Kind == AuditKinds.Event
            ? new Document { EventType = e.EventType, Title = e.Title, SubTitle = e.SubTitle, Visible = e.Visible }
            : new Document
            {
                ClientId = e.ClientId, Method = e.Method, Operation = e.Operation, RequestId = e.RequestId, Status = e.Status,
                Resources = e.Resources.Select(r => new[] { r.Name, r.Id }).ToList(),
                Changes = e.Changes.Select(c => new[] { c.Field, c.Value }).ToList(),
            };

        public void ApplyTo(AuditEntry e)
        {
            e.ClientId = ClientId ?? "";
            e.Method = Method ?? "";
            e.Operation = Operation ?? "";
            e.RequestId = RequestId ?? "";
            e.Status = Status ?? 0;
            e.Resources = Resources?.Select(r => new AuditResource(r[0], r[1])).ToList() ?? [];
            e.Changes = Changes?.Select(c => new AuditChange(c[0], c[1])).ToList() ?? [];
            e.EventType = EventType ?? "";
            e.Title = Title ?? "";
            e.SubTitle = SubTitle;
            e.Visible = Visible ?? true;
        }
    }
}
