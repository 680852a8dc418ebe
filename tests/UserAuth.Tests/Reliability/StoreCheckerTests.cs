using Microsoft.Data.Sqlite;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Reliability;

/// <summary>The consistency checker finds nothing in a store the service wrote, and finds each kind of damage done to it.</summary>
public sealed class StoreCheckerTests : IAsyncLifetime
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "userauth-checker-" + Guid.NewGuid().ToString("N"));
    private ApiFactory factory = null!;

    private string DatabasePath => Path.Combine(folder, "userauth.db");

    public ValueTask InitializeAsync()
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Provider"] = "Sqlite";
        settings["Storage:Sqlite:Path"] = DatabasePath;
        settings["BulkJobs:Directory"] = Path.Combine(folder, "jobs");
        factory = new ApiFactory(settings);
        _ = factory.Server;
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await factory.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task A_store_the_service_wrote_is_consistent_and_each_kind_of_damage_is_found()
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            await ApiFixture.TokenAsync(http, TestClients.Main));
        var application = ApiFixture.NewApplicationId();
        var app = Http.App(application);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await http.PostJsonAsync($"{app}/customers", Build.User(email: $"{Guid.NewGuid():N}@example.com"))).GetProperty("user").GetProperty("_id").GetString()!);
        }

        await http.PostJsonAsync($"{app}/customers/session", new { user_id = ids[0], domain = "shop.example.com" });
        await http.PostJsonAsync($"{app}/customers/session", new { user_id = ids[1], domain = "shop.example.com" });
        await http.PutJsonAsync($"{app}/customers/activation", new { user_id = new[] { ids[1] }, status = false });
        await http.PostJsonAsync($"{app}/user_group", new { name = "g", description = "d" });
        Assert.Empty(await StoreChecker.CheckSqliteAsync(DatabasePath));

        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var damage = connection.CreateCommand();
            damage.CommandText = $"""
                DELETE FROM user_keys WHERE user_id = '{ids[2]}' AND key LIKE 'e:%';
                UPDATE user_counts SET live = live + 1 WHERE application_id = '{application}';
                INSERT INTO user_group_members (company_id, application_id, group_uid, user_id) VALUES ('1001', '{application}', 99, '{ids[3]}');
                UPDATE user_sessions SET revoked_at = NULL, user_epoch = (SELECT json_extract(doc, '$.session_epoch') FROM users WHERE id = '{ids[1]}') WHERE user_id = '{ids[1]}';
                """;
            await damage.ExecuteNonQueryAsync();
        }

        var problems = await StoreChecker.CheckSqliteAsync(DatabasePath);
        Assert.Contains(problems, p => p.StartsWith("a key a user holds that user_keys does not have", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("user_counts that do not match the rows", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("a group member of a group that does not exist", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("a session that still verifies for a user who cannot sign in", StringComparison.Ordinal));
    }
}
