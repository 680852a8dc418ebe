using System.Text.Json;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Storage.Sqlite;

internal sealed class SqliteApiClientStore(SqliteDatabase database) : IApiClientStore, IStoreInitializer
{
    /// <summary>How this store keeps its documents in <c>doc</c> (see <see cref="SqliteDocumentJson"/>).</summary>
    private static readonly JsonSerializerOptions DocJson = SqliteDocumentJson.Create();

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS api_clients (
                client_id TEXT PRIMARY KEY,
                company_id TEXT NOT NULL,
                doc TEXT NOT NULL
            );
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
            """, command =>
        {
            command.Parameters.AddWithValue("$id", client.ClientId);
            command.Parameters.AddWithValue("$company", client.CompanyId);
            command.Parameters.AddWithValue("$doc", JsonSerializer.Serialize(client, DocJson));
        }, cancellationToken);
    }
}
