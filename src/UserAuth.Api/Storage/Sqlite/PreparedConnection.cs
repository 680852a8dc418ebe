using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// A long-lived SQLite connection (a lent read connection, or the writer's) and the commands prepared on it, one per
/// SQL text. Microsoft.Data.Sqlite keeps a command's prepared statements for as long as the command lives, but a new
/// command prepares its SQL again; reusing the command skips that. Used by one caller at a time.
/// </summary>
internal sealed class PreparedConnection : IAsyncDisposable
{
    /// <summary>Most statements kept per connection (a query with an IN list is one text per list length).</summary>
    public const int MaxStatements = 128;

    private static readonly ConditionalWeakTable<SqliteConnection, PreparedConnection> Owners = new();
    private readonly Dictionary<string, SqliteCommand> statements = new(StringComparer.Ordinal);

    public PreparedConnection(SqliteConnection connection)
    {
        Connection = connection;
        Owners.AddOrUpdate(connection, this);
    }

    public SqliteConnection Connection { get; }

    /// <summary>The <see cref="PreparedConnection"/> that owns <paramref name="connection"/>, if any.</summary>
    public static PreparedConnection? Of(SqliteConnection connection) =>
        Owners.TryGetValue(connection, out var owner) ? owner : null;

    /// <summary>
    /// The command for <paramref name="sql"/>, prepared once on this connection, with its parameters cleared and in
    /// <paramref name="transaction"/>. The connection owns it: callers bind and execute it, and do not dispose it.
    /// </summary>
    public SqliteCommand Prepared(string sql, SqliteTransaction? transaction = null)
    {
        if (!statements.TryGetValue(sql, out var command))
        {
            if (statements.Count >= MaxStatements)
            {
                foreach (var old in statements.Values)
                {
                    old.Dispose();
                }

                statements.Clear();
            }

            command = Connection.CreateCommand();
            command.CommandText = sql;
            statements[sql] = command;
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        Owners.Remove(Connection);
        foreach (var command in statements.Values)
        {
            await command.DisposeAsync();
        }

        statements.Clear();
        await Connection.DisposeAsync();
    }
}
