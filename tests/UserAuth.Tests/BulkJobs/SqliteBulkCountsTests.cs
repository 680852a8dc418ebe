using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.BulkJobs;

/// <summary>
/// The embedded store counts an import batch's users once per batch (the per-user insert trigger is paused inside the
/// batch's transaction), so <c>user_counts</c> must stay exact through imports, retried batches, batches that lose a
/// key, and createUser after them; and a database whose trigger predates the pause gets the new one at start-up.
/// </summary>
public sealed class SqliteBulkCountsTests : IAsyncDisposable
{
    private const string OldInsertTrigger = """
        CREATE TRIGGER user_counts_insert AFTER INSERT ON users BEGIN
            INSERT INTO user_counts VALUES (new.company_id, new.application_id, new.state = 'live',
                new.state = 'archived', new.state = 'deleted', new.state = 'erased', 1)
            ON CONFLICT (company_id, application_id) DO UPDATE SET
                live = live + (new.state = 'live'), archived = archived + (new.state = 'archived'),
                deleted = deleted + (new.state = 'deleted'), erased = erased + (new.state = 'erased'),
                generation = generation + 1;
        END;
        """;

    private readonly string folder = Path.Combine(Path.GetTempPath(), "userauth-bulk-counts-" + Guid.NewGuid().ToString("N"));
    private readonly string application = ApiFixture.NewApplicationId();

    private string DatabasePath => Path.Combine(folder, "userauth.db");

    private ApiFactory Host()
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Provider"] = "Sqlite";
        settings["Storage:Sqlite:Path"] = DatabasePath;
        settings["BulkJobs:Directory"] = Path.Combine(folder, "jobs");
        settings["BulkJobs:BatchSize"] = "40";
        var host = new ApiFactory(settings);
        _ = host.Server;
        return host;
    }

    private static async Task<HttpClient> ClientAsync(ApiFactory host)
    {
        var http = host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            await ApiFixture.TokenAsync(http, TestClients.Main));
        return http;
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Imports_retried_batches_and_lost_keys_keep_the_counts_exact_and_createUser_counts_after_them()
    {
        await using var host = Host();
        var http = await ClientAsync(host);
        var taken = await http.NewCustomerAsync(application);
        // 130 rows in batches of 40: some bad phones, one duplicate inside the file, one username of a stored user.
        var rows = new StringBuilder(Bulk.Header).Append("\r\n");
        for (var i = 0; i < 130; i++)
        {
            rows.Append(i switch
            {
                7 => Bulk.Row(username: "twice.in.file"),
                90 => Bulk.Row(username: "twice.in.file"),
                55 => Bulk.Row(username: taken.Username),
                _ when i % 25 == 3 => Bulk.Row(phone: "1"),
                _ => Bulk.Row(),
            }).Append("\r\n");
        }

        var job = await Bulk.WaitAsync(http, application, (await Bulk.UploadAsync(http, application, Encoding.UTF8.GetBytes(rows.ToString())))
            .GetProperty("_id").GetString()!);
        var (total, success, error) = Bulk.Count(job);
        Assert.Equal((130L, 122L, 8L), (total, success, error));
        Assert.Equal(1 + success, await ListedTotalAsync(http));

        // Straight through the port: a batch of mixed states, the same batch again, and a batch that loses a key.
        var tenant = new Tenant("1001", application);
        var users = host.Services.GetRequiredService<IUserStore>();
        var mixed = new[] { UserState.Live, UserState.Archived, UserState.Deleted, UserState.Live }
            .Select(state => Build.StoredUser(tenant, state: state)).ToList();
        Assert.Empty(await users.InsertManyAsync(mixed, CancellationToken.None));
        Assert.Empty(await users.InsertManyAsync(mixed, CancellationToken.None));
        var clash = Build.StoredUser(tenant, username: taken.Username);
        var fresh = Build.StoredUser(tenant);
        Assert.Equal([clash.Id], await users.InsertManyAsync([clash, fresh], CancellationToken.None));
        // live + deleted are listed: 1 + imported + 2 live + 1 deleted + fresh.
        Assert.Equal(1 + success + 4, await ListedTotalAsync(http));

        // createUser after the batches is counted by the trigger again.
        await http.NewCustomerAsync(application);
        Assert.Equal(1 + success + 5, await ListedTotalAsync(http));
        Assert.Empty(await StoreChecker.CheckSqliteAsync(DatabasePath));
        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM user_counts_paused;"));
    }

    [Fact]
    public async Task A_database_with_the_old_count_trigger_gets_the_pausable_one_at_start_up_once()
    {
        await using (var first = Host())
        {
            await (await ClientAsync(first)).NewCustomerAsync(application);
        }

        // As a database made before the pause existed: the old trigger, no user_counts_paused.
        SqliteConnection.ClearAllPools();
        await ExecuteAsync($"DROP TRIGGER user_counts_insert; DROP TABLE user_counts_paused; {OldInsertTrigger}");
        Assert.DoesNotContain("user_counts_paused", (string)(await ScalarAsync(TriggerSql))!, StringComparison.Ordinal);

        for (var start = 0; start < 2; start++)
        {
            await using var host = Host();
            var http = await ClientAsync(host);
            Assert.Contains("user_counts_paused", (string)(await ScalarAsync(TriggerSql))!, StringComparison.Ordinal);
            await http.NewCustomerAsync(application);
            var job = await Bulk.WaitAsync(http, application, (await Bulk.UploadAsync(http, application,
                Bulk.Csv(Bulk.Header, Bulk.Row(), Bulk.Row(), Bulk.Row()))).GetProperty("_id").GetString()!);
            Assert.Equal((3L, 3L, 0L), Bulk.Count(job));
            Assert.Equal(1 + (start + 1) * 4, await ListedTotalAsync(http));
        }

        Assert.Empty(await StoreChecker.CheckSqliteAsync(DatabasePath));
    }

    private const string TriggerSql = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'user_counts_insert';";

    private async Task<long> ListedTotalAsync(HttpClient http)
    {
        var page = await http.GetJsonAsync($"{Http.App(application)}/customers/list?page_size=1");
        return page.GetProperty("page").GetProperty("item_total").GetInt64();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
