using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>The embedded store: one file, WAL journal, a pooled connection per operation.</summary>
internal sealed class SqliteDatabase
{
    private readonly string connectionString;

    public SqliteDatabase(IOptions<StorageOptions> options, IHostEnvironment environment)
    {
        var path = options.Value.Sqlite.Path;
        FilePath = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(environment.ContentRootPath, path);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string FilePath { get; }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    /// <summary>Creates the folder and switches the file to WAL; fails with a clear message when it cannot.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var folder = System.IO.Path.GetDirectoryName(FilePath);
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            await using var connection = await OpenAsync(cancellationToken);
            await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new StoreUnavailableException($"The SQLite database at '{FilePath}' cannot be opened: {e.Message}", e);
        }
    }

    public static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken,
        SqliteTransaction? transaction = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>SQLite's answer to a UNIQUE or PRIMARY KEY violation.</summary>
    public static bool IsUniqueViolation(SqliteException e) => e.SqliteErrorCode == 19 &&
        (e.SqliteExtendedErrorCode == 2067 || e.SqliteExtendedErrorCode == 1555);

    /// <summary><c>$p0, $p1, ...</c> for an IN list of <paramref name="count"/> values.</summary>
    public static string Placeholders(string prefix, int count) =>
        string.Join(", ", Enumerable.Range(0, count).Select(i => prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static void BindList(SqliteCommand command, string prefix, IEnumerable<string> values)
    {
        var i = 0;
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(prefix + (i++).ToString(System.Globalization.CultureInfo.InvariantCulture), value);
        }
    }
}
