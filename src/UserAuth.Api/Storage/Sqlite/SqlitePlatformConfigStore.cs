using System.Text.Json;
using Microsoft.Data.Sqlite;
using UserAuth.Api.Common;
using UserAuth.Api.Features.PlatformConfig;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// One row per tenant: the primary key (company, application) makes a second first save fail, and the version column
/// makes every update conditional.
/// </summary>
internal sealed class SqlitePlatformConfigStore(SqliteDatabase database) : IPlatformConfigStore, IStoreInitializer
{
    /// <summary>How this store keeps its documents in <c>doc</c> (see <see cref="SqliteDocumentJson"/>).</summary>
    private static readonly JsonSerializerOptions DocJson = SqliteDocumentJson.Create();

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteDatabase.ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS platform_configs (
                company_id TEXT NOT NULL,
                application_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                doc TEXT NOT NULL,
                PRIMARY KEY (company_id, application_id)
            ) WITHOUT ROWID;
            """, cancellationToken);
    }

    public async Task<PlatformConfigDocument?> FindAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT doc FROM platform_configs WHERE company_id = $company AND application_id = $application;";
        BindTenant(command, tenant);
        var doc = await command.ExecuteScalarAsync(cancellationToken) as string;
        return doc is null ? null : JsonSerializer.Deserialize<PlatformConfigDocument>(doc, DocJson);
    }

    public async Task<StoredLoginSettings?> FindLoginSettingsAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT json_extract(doc, '$.session_config'), json_extract(doc, '$.delete_account_day')
            FROM platform_configs WHERE company_id = $company AND application_id = $application;
            """;
        BindTenant(command, tenant);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var defaults = new PlatformConfigDocument();
        var session = reader.IsDBNull(0)
            ? defaults.SessionConfig
            : JsonSerializer.Deserialize<SessionSettings>(reader.GetString(0), DocJson) ?? defaults.SessionConfig;
        var deleteAccountDay = reader.IsDBNull(1) ? defaults.DeleteAccountDay : reader.GetInt32(1);
        return new StoredLoginSettings(session, deleteAccountDay);
    }

    public async Task<bool> InsertAsync(PlatformConfigDocument config, CancellationToken cancellationToken)
    {
        return await database.WriteCommandAsync("""
            INSERT INTO platform_configs (company_id, application_id, version, doc) VALUES ($company, $application, $version, $doc)
            ON CONFLICT (company_id, application_id) DO NOTHING;
            """, command =>
        {
            Bind(command, config);
        }, cancellationToken) == 1;
    }

    public async Task<bool> ReplaceAsync(PlatformConfigDocument config, int expectedVersion, CancellationToken cancellationToken)
    {
        return await database.WriteCommandAsync("""
            UPDATE platform_configs SET version = $version, doc = $doc
            WHERE company_id = $company AND application_id = $application AND version = $expected;
            """, command =>
        {
            Bind(command, config);
            command.Parameters.AddWithValue("$expected", expectedVersion);
        }, cancellationToken) == 1;
    }

    private static void Bind(SqliteCommand command, PlatformConfigDocument config)
    {
        BindTenant(command, new Tenant(config.CompanyId, config.ApplicationId));
        command.Parameters.AddWithValue("$version", config.Version);
        command.Parameters.AddWithValue("$doc", JsonSerializer.Serialize(config, DocJson));
    }

    private static void BindTenant(SqliteCommand command, Tenant tenant)
    {
        command.Parameters.AddWithValue("$company", tenant.CompanyId);
        command.Parameters.AddWithValue("$application", tenant.ApplicationId);
    }
}
