using UserAuth.Api.Common;
using UserAuth.Api.Common.Jobs;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>Error reports in <c>job_error_rows</c>, one row per bad input row; rewriting a row replaces it.</summary>
internal sealed class SqliteErrorReportStore(SqliteDatabase database) : IErrorReportStore, IStoreInitializer
{
    private const string ReportWhere = "company_id = $company AND application_id = $application AND report_id = $report";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS job_error_rows (
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                report_id TEXT NOT NULL,
                row_number INTEGER NOT NULL,
                row TEXT NOT NULL,
                reason TEXT NOT NULL,
                PRIMARY KEY (company_id, application_id, report_id, row_number)
            ) WITHOUT ROWID;
            """, cancellationToken);
    }

    public async Task AppendAsync(Tenant tenant, string reportId, IReadOnlyCollection<ErrorReportRow> rows,
        CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT OR REPLACE INTO job_error_rows (company_id, application_id, report_id, row_number, row, reason)
            VALUES ($company, $application, $report, $number, $row, $reason);
            """;
        Bind(command, tenant, reportId);
        var number = command.Parameters.Add("$number", Microsoft.Data.Sqlite.SqliteType.Integer);
        var row = command.Parameters.Add("$row", Microsoft.Data.Sqlite.SqliteType.Text);
        var reason = command.Parameters.Add("$reason", Microsoft.Data.Sqlite.SqliteType.Text);
        foreach (var error in rows)
        {
            number.Value = error.RowNumber;
            row.Value = error.Row;
            reason.Value = error.Reason;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task<long> CountAsync(Tenant tenant, string reportId, CancellationToken cancellationToken) =>
        database.CountAsync($"SELECT COUNT(*) FROM job_error_rows WHERE {ReportWhere};",
            command => Bind(command, tenant, reportId), cancellationToken);

    public async Task<IReadOnlyList<ErrorReportRow>> ReadAsync(Tenant tenant, string reportId, long afterRow, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT row_number, row, reason FROM job_error_rows WHERE {ReportWhere} AND row_number > $after
            ORDER BY row_number LIMIT $limit;
            """;
        Bind(command, tenant, reportId);
        command.Parameters.AddWithValue("$after", afterRow);
        command.Parameters.AddWithValue("$limit", limit);
        var rows = new List<ErrorReportRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new ErrorReportRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }

        return rows;
    }

    public async Task DeleteAsync(Tenant tenant, string reportId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"DELETE FROM job_error_rows WHERE {ReportWhere};";
        Bind(command, tenant, reportId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void Bind(Microsoft.Data.Sqlite.SqliteCommand command, Tenant tenant, string reportId)
    {
        command.Parameters.AddWithValue("$company", tenant.CompanyId);
        command.Parameters.AddWithValue("$application", tenant.ApplicationId);
        command.Parameters.AddWithValue("$report", reportId);
    }
}
