using System.Text.Json;
using Microsoft.Data.Sqlite;
using UserAuth.Api.Common;
using UserAuth.Api.Features.BulkJobs;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>Jobs as JSON documents (this adapter's own fixed serialisation) with their queried fields in indexed columns.</summary>
internal sealed class SqliteBulkJobStore(SqliteDatabase database) : IBulkJobStore, IStoreInitializer
{
    private static readonly JsonSerializerOptions Stored = new(JsonSerializerDefaults.General);

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS bulk_jobs (
                id TEXT PRIMARY KEY,
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                action_type TEXT NOT NULL,
                status TEXT NOT NULL,
                file_format TEXT NOT NULL,
                file_name_lc TEXT NOT NULL,
                created_at TEXT NOT NULL,
                lease_until TEXT,
                files_expire_at TEXT,
                version INTEGER NOT NULL,
                doc TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_bulk_jobs_listing ON bulk_jobs (company_id, application_id, action_type, created_at DESC, id DESC);
            DROP INDEX IF EXISTS ix_bulk_jobs_claimable;
            CREATE INDEX IF NOT EXISTS ix_bulk_jobs_files_due ON bulk_jobs (files_expire_at) WHERE files_expire_at IS NOT NULL;
            """, cancellationToken);
    }

    /// <summary>Through the single writer, with the request's audit record (as every write of the API's stores).</summary>
    public Task InsertAsync(BulkJob job, CancellationToken cancellationToken) =>
        database.WriteCommandAsync("""
            INSERT INTO bulk_jobs (id, company_id, application_id, action_type, status, file_format, file_name_lc, created_at,
                lease_until, files_expire_at, version, doc)
            VALUES ($id, $company, $application, $action, $status, $format, $name, $created, $lease_until, $files_expire_at, $version, $doc);
            """, command => Bind(command, job), cancellationToken);

    public async Task<BulkJob?> FindAsync(Tenant tenant, string id, CancellationToken cancellationToken) =>
        (await QueryAsync("SELECT doc FROM bulk_jobs WHERE id = $id AND company_id = $company AND application_id = $application;",
            command =>
            {
                BindTenant(command, tenant);
                command.Parameters.AddWithValue("$id", id);
            }, cancellationToken)).FirstOrDefault();

    public async Task<(IReadOnlyList<BulkJob> Items, long Total)> ListAsync(Tenant tenant, BulkJobQuery query, int skip, int take,
        CancellationToken cancellationToken)
    {
        var where = "company_id = $company AND application_id = $application AND action_type = $action";
        if (query.Status is not null)
        {
            where += " AND status = $status";
        }

        if (query.FileFormat is not null)
        {
            where += " AND file_format = $format";
        }

        if (query.CreatedFrom is not null)
        {
            where += " AND created_at >= $from";
        }

        if (query.CreatedTo is not null)
        {
            where += " AND created_at <= $to";
        }

        if (query.Search is not null)
        {
            where += " AND (id = $search OR instr(file_name_lc, $search) > 0)";
        }

        void Bind(SqliteCommand command)
        {
            BindTenant(command, tenant);
            command.Parameters.AddWithValue("$action", query.ActionType);
            command.Parameters.AddWithValue("$status", (object?)query.Status ?? DBNull.Value);
            command.Parameters.AddWithValue("$format", (object?)query.FileFormat ?? DBNull.Value);
            command.Parameters.AddWithValue("$from", query.CreatedFrom is { } f ? UtcDateTimeConverter.ToWire(f) : DBNull.Value);
            command.Parameters.AddWithValue("$to", query.CreatedTo is { } t ? UtcDateTimeConverter.ToWire(t) : DBNull.Value);
            command.Parameters.AddWithValue("$search", (object?)query.Search?.ToLowerInvariant() ?? DBNull.Value);
        }

        var items = await QueryAsync($"SELECT doc FROM bulk_jobs WHERE {where} ORDER BY created_at DESC, id DESC LIMIT $take OFFSET $skip;",
            command =>
            {
                Bind(command);
                command.Parameters.AddWithValue("$take", take);
                command.Parameters.AddWithValue("$skip", skip);
            }, cancellationToken);
        return (items, await database.CountAsync($"SELECT COUNT(*) FROM bulk_jobs WHERE {where};", Bind, cancellationToken));
    }

    public async Task<bool> ReplaceAsync(BulkJob job, int expectedVersion, CancellationToken cancellationToken)
    {
        return await database.WriteCommandAsync("""
            UPDATE bulk_jobs SET status = $status, file_format = $format, file_name_lc = $name, lease_until = $lease_until,
                files_expire_at = $files_expire_at, version = $version, doc = $doc
            WHERE id = $id AND company_id = $company AND application_id = $application AND version = $expected;
            """, command =>
        {
            Bind(command, job);
            command.Parameters.AddWithValue("$expected", expectedVersion);
        }, cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<BulkJob>> FindFilesDueAsync(DateTime now, int limit, CancellationToken cancellationToken) =>
        await QueryAsync("SELECT doc FROM bulk_jobs WHERE files_expire_at <= $now ORDER BY files_expire_at LIMIT $limit;",
            command =>
            {
                command.Parameters.AddWithValue("$now", UtcDateTimeConverter.ToWire(now));
                command.Parameters.AddWithValue("$limit", limit);
            }, cancellationToken);

    private Task<List<BulkJob>> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken) =>
        database.QueryAsync(sql, bind, reader => JsonSerializer.Deserialize<BulkJob>(reader.GetString(0), Stored)!, cancellationToken);

    private static void Bind(SqliteCommand command, BulkJob job)
    {
        command.Parameters.AddWithValue("$id", job.Id);
        command.Parameters.AddWithValue("$company", job.CompanyId);
        command.Parameters.AddWithValue("$application", job.ApplicationId);
        command.Parameters.AddWithValue("$action", job.ActionType);
        command.Parameters.AddWithValue("$status", job.Status);
        command.Parameters.AddWithValue("$format", job.FileFormat);
        command.Parameters.AddWithValue("$name", job.FileName.ToLowerInvariant());
        command.Parameters.AddWithValue("$created", UtcDateTimeConverter.ToWire(job.CreatedAt));
        // The column of the job's own lease before the shared queue ran jobs; kept empty so older files stay readable.
        command.Parameters.AddWithValue("$lease_until", DBNull.Value);
        command.Parameters.AddWithValue("$files_expire_at", job.FilesExpireAt is { } e ? UtcDateTimeConverter.ToWire(e) : DBNull.Value);
        command.Parameters.AddWithValue("$version", job.Version);
        command.Parameters.AddWithValue("$doc", JsonSerializer.Serialize(job, Stored));
    }

    private static void BindTenant(SqliteCommand command, Tenant tenant)
    {
        command.Parameters.AddWithValue("$company", tenant.CompanyId);
        command.Parameters.AddWithValue("$application", tenant.ApplicationId);
    }
}
