using System.Globalization;
using Microsoft.Data.Sqlite;
using UserAuth.Api.Common;
using UserAuth.Api.Common.Jobs;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// The work queue in <c>job_queue</c>. A claim is one <c>UPDATE ... RETURNING</c> on the first available row: SQLite
/// runs writes one at a time, so two instances over the same file never claim the same job. Dates are ISO-8601 UTC
/// text with milliseconds, which sort as they compare.
/// </summary>
internal sealed class SqliteJobQueueStore(SqliteDatabase database) : IJobQueueStore, IStoreInitializer
{
    private const string Columns =
        "id, kind, company_id, application_id, subject_id, run_id, attempts, checkpoint, lease_owner, available_at, enqueued_at, last_error";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS job_queue (
                id TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                subject_id TEXT NOT NULL,
                run_id TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                checkpoint INTEGER NOT NULL,
                lease_owner TEXT,
                available_at TEXT NOT NULL,
                enqueued_at TEXT NOT NULL,
                last_error TEXT
            );
            CREATE INDEX IF NOT EXISTS ix_job_queue_available ON job_queue (kind, available_at);
            CREATE INDEX IF NOT EXISTS ix_job_queue_subject ON job_queue (company_id, application_id, kind, subject_id);
            """, cancellationToken);
    }

    public async Task EnqueueAsync(QueuedJob job, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            INSERT INTO job_queue ({Columns}) VALUES ($id, $kind, $company, $application, $subject, $run, 0, 0, NULL,
                $available, $enqueued, NULL);
            """;
        command.Parameters.AddWithValue("$id", job.Id);
        command.Parameters.AddWithValue("$kind", job.Kind);
        command.Parameters.AddWithValue("$company", job.CompanyId);
        command.Parameters.AddWithValue("$application", job.ApplicationId);
        command.Parameters.AddWithValue("$subject", job.SubjectId);
        command.Parameters.AddWithValue("$run", job.RunId);
        command.Parameters.AddWithValue("$available", SqliteDates.Wire(job.AvailableAt));
        command.Parameters.AddWithValue("$enqueued", SqliteDates.Wire(job.EnqueuedAt));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<QueuedJob?> ClaimAsync(IReadOnlyCollection<string> kinds, string owner, DateTime now, DateTime leaseUntil,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            UPDATE job_queue SET lease_owner = $owner, available_at = $until, attempts = attempts + 1
            WHERE id = (SELECT id FROM job_queue WHERE kind IN ({SqliteDatabase.Placeholders("$k", kinds.Count)})
                        AND available_at <= $now ORDER BY available_at LIMIT 1)
            RETURNING {Columns};
            """;
        SqliteDatabase.BindList(command, "$k", kinds);
        command.Parameters.AddWithValue("$owner", owner);
        command.Parameters.AddWithValue("$now", SqliteDates.Wire(now));
        command.Parameters.AddWithValue("$until", SqliteDates.Wire(leaseUntil));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<bool> RenewAsync(string jobId, string owner, DateTime leaseUntil, long? checkpoint, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE job_queue SET available_at = $until, checkpoint = COALESCE($checkpoint, checkpoint)
            WHERE id = $id AND lease_owner = $owner;
            """;
        command.Parameters.AddWithValue("$id", jobId);
        command.Parameters.AddWithValue("$owner", owner);
        command.Parameters.AddWithValue("$until", SqliteDates.Wire(leaseUntil));
        command.Parameters.AddWithValue("$checkpoint", checkpoint is { } c ? c : DBNull.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> CompleteAsync(string jobId, string owner, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM job_queue WHERE id = $id AND lease_owner = $owner;";
        command.Parameters.AddWithValue("$id", jobId);
        command.Parameters.AddWithValue("$owner", owner);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> ReleaseAsync(string jobId, string owner, DateTime retryAt, string? error, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE job_queue SET lease_owner = NULL, available_at = $at, last_error = $error
            WHERE id = $id AND lease_owner = $owner;
            """;
        command.Parameters.AddWithValue("$id", jobId);
        command.Parameters.AddWithValue("$owner", owner);
        command.Parameters.AddWithValue("$at", SqliteDates.Wire(retryAt));
        command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyDictionary<string, (long Depth, DateTime OldestEnqueuedAt)>> StatsAsync(IReadOnlyCollection<string> kinds,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT kind, COUNT(*), MIN(enqueued_at) FROM job_queue
            WHERE kind IN ({SqliteDatabase.Placeholders("$k", kinds.Count)}) GROUP BY kind;
            """;
        SqliteDatabase.BindList(command, "$k", kinds);
        var stats = new Dictionary<string, (long, DateTime)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stats[reader.GetString(0)] = (reader.GetInt64(1), SqliteDates.Parse(reader.GetString(2)));
        }

        return stats;
    }

    public async Task<IReadOnlyList<QueuedJob>> FindBySubjectAsync(string kind, Tenant tenant, string subjectId,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM job_queue
            WHERE company_id = $company AND application_id = $application AND kind = $kind AND subject_id = $subject
            ORDER BY enqueued_at;
            """;
        command.Parameters.AddWithValue("$company", tenant.CompanyId);
        command.Parameters.AddWithValue("$application", tenant.ApplicationId);
        command.Parameters.AddWithValue("$kind", kind);
        command.Parameters.AddWithValue("$subject", subjectId);
        var jobs = new List<QueuedJob>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(Read(reader));
        }

        return jobs;
    }

    private static QueuedJob Read(SqliteDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Kind = reader.GetString(1),
        CompanyId = reader.GetString(2),
        ApplicationId = reader.GetString(3),
        SubjectId = reader.GetString(4),
        RunId = reader.GetString(5),
        Attempts = reader.GetInt32(6),
        Checkpoint = reader.GetInt64(7),
        LeaseOwner = reader.IsDBNull(8) ? null : reader.GetString(8),
        AvailableAt = SqliteDates.Parse(reader.GetString(9)),
        EnqueuedAt = SqliteDates.Parse(reader.GetString(10)),
        LastError = reader.IsDBNull(11) ? null : reader.GetString(11),
    };
}

/// <summary>Dates as ISO-8601 UTC text with milliseconds: they sort as they compare.</summary>
internal static class SqliteDates
{
    public static string Wire(DateTime value) => UtcDateTimeConverter.ToWire(value);

    public static DateTime Parse(string text) =>
        DateTime.ParseExact(text, UtcDateTimeConverter.Format, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
}
