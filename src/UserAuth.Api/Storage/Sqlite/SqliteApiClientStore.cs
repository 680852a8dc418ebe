using System.Text.Json;
using Microsoft.Data.Sqlite;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Storage.Sqlite;

internal sealed class SqliteApiClientStore(SqliteDatabase database) : IApiClientStore, IStoreInitializer
{
    /// <summary>How this store keeps its documents in <c>doc</c> (see <see cref="SqliteDocumentJson"/>).</summary>
    private static readonly JsonSerializerOptions DocJson = SqliteDocumentJson.Create();

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // The version lives in doc (json_extract), so rows written before it existed need no migration: they are 0.
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS api_clients (
                client_id TEXT PRIMARY KEY,
                company_id TEXT NOT NULL,
                doc TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS api_clients_company ON api_clients (company_id, client_id);
            """, cancellationToken);
    }

    public async Task<ApiClient?> FindByClientIdAsync(string clientId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT doc FROM api_clients WHERE client_id = $id;";
        command.Parameters.AddWithValue("$id", clientId);
        var doc = await command.ExecuteScalarAsync(cancellationToken) as string;
        return doc is null ? null : JsonSerializer.Deserialize<ApiClient>(doc, DocJson);
    }

    public async Task UpsertAsync(ApiClient client, CancellationToken cancellationToken)
    {
        await database.WriteCommandAsync("""
            INSERT INTO api_clients (client_id, company_id, doc) VALUES ($id, $company, $doc)
            ON CONFLICT(client_id) DO UPDATE SET company_id = excluded.company_id, doc = excluded.doc;
            """, command => Bind(command, client), cancellationToken);
    }

    public Task<bool> CreateAsync(ApiClient client, CancellationToken cancellationToken) =>
        WriteOneAsync("""
            INSERT INTO api_clients (client_id, company_id, doc) VALUES ($id, $company, $doc)
            ON CONFLICT(client_id) DO NOTHING;
            """, command => Bind(command, client), cancellationToken);

    public Task<bool> ReplaceAsync(ApiClient client, long expectedVersion, CancellationToken cancellationToken) =>
        WriteOneAsync("""
            UPDATE api_clients SET company_id = $company, doc = $doc
            WHERE client_id = $id AND coalesce(json_extract(doc, '$.version'), 0) = $expected;
            """, command =>
        {
            Bind(command, client);
            command.Parameters.AddWithValue("$expected", expectedVersion);
        }, cancellationToken);

    /// <summary>
    /// One statement through the single writer that must change one row: true when it did. When it changed none (the
    /// client id is taken, the version moved on), its write is rolled back to its savepoint, so the request's
    /// written-ahead audit record (<see cref="SqliteEnlistment"/>) is not committed with it but waits for the flow's
    /// next write (a retried compare-and-set) or goes with the refused request: a refused write leaves no record.
    /// </summary>
    private async Task<bool> WriteOneAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        try
        {
            return await database.WriteAsync(async (connection, transaction, ct) =>
            {
                var command = SqliteDatabase.Prepared(connection, transaction, sql);
                bind(command);
                if (await command.ExecuteNonQueryAsync(ct) != 1)
                {
                    throw new NothingWrittenException();
                }

                return true;
            }, cancellationToken);
        }
        catch (NothingWrittenException)
        {
            return false;
        }
    }

    /// <summary>A write that changed no row: rolls its savepoint back (see <see cref="WriteOneAsync"/>).</summary>
    private sealed class NothingWrittenException() : Exception("The statement changed no row.");

    public async Task<(IReadOnlyList<ApiClient> Items, long Total)> ListByCompanyAsync(string companyId, int skip, int limit,
        CancellationToken cancellationToken)
    {
        var items = await database.QueryAsync(
            "SELECT doc FROM api_clients WHERE company_id = $company ORDER BY client_id LIMIT $limit OFFSET $skip;",
            command =>
            {
                command.Parameters.AddWithValue("$company", companyId);
                command.Parameters.AddWithValue("$limit", limit);
                command.Parameters.AddWithValue("$skip", skip);
            },
            reader => JsonSerializer.Deserialize<ApiClient>(reader.GetString(0), DocJson)!, cancellationToken);
        var total = await database.CountAsync("SELECT count(*) FROM api_clients WHERE company_id = $company;",
            command => command.Parameters.AddWithValue("$company", companyId), cancellationToken);
        return (items, total);
    }

    private static void Bind(SqliteCommand command, ApiClient client)
    {
        command.Parameters.AddWithValue("$id", client.ClientId);
        command.Parameters.AddWithValue("$company", client.CompanyId);
        command.Parameters.AddWithValue("$doc", JsonSerializer.Serialize(client, DocJson));
    }
}
