using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Common.Jobs;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Groups.GroupTestSupport;

namespace UserAuth.Tests.Groups;

/// <summary>
/// Background processing with several service instances over one store: two instances sharing the queue, a restart in
/// the middle of a run (resumes from the checkpoint), and a crashed instance whose lease runs out.
/// </summary>
public abstract class GroupWorkerTests : IAsyncLifetime
{
    private readonly List<ApiFactory> instances = [];
    private readonly string app = ApiFixture.NewApplicationId();
    private LoopbackFileServer files = null!;

    private string P => Http.App(app);

    private Tenant Tenant => new("1001", app);

    /// <summary>The store settings every instance shares; null (with <see cref="Unavailable"/>) when there is none here.</summary>
    protected abstract Dictionary<string, string?>? StoreSettings();

    protected string? Unavailable { get; set; }

    public async ValueTask InitializeAsync() => files = await LoopbackFileServer.StartAsync();

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var instance in instances)
        {
            await instance.DisposeAsync();
        }

        await files.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private ApiFactory Start(params (string Key, string Value)[] extra)
    {
        var store = StoreSettings();
        if (store is null)
        {
            Assert.Skip(Unavailable ?? "no store");
        }

        var settings = ApiFactory.BaseSettings();
        foreach (var (key, value) in store)
        {
            settings[key] = value;
        }

        settings["Jobs:PollIntervalMs"] = "50";
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var instance = new ApiFactory(settings);
        _ = instance.Server;
        instances.Add(instance);
        return instance;
    }

    private static async Task<HttpClient> ClientAsync(ApiFactory instance)
    {
        var http = instance.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ApiFixture.TokenAsync(http, TestClients.Main));
        return http;
    }

    private static long Uid(JsonElement group) => group.GetProperty("uid").GetInt64();

    [Fact]
    public async Task Two_instances_over_one_store_share_the_queue_and_the_uid_counter()
    {
        var a = Start();
        var b = Start();
        var httpA = await ClientAsync(a);
        var httpB = await ClientAsync(b);
        var users = new List<CreatedUser>();
        for (var i = 0; i < 8; i++)
        {
            users.Add(await (i % 2 == 0 ? httpA : httpB).NewCustomerAsync(app));
        }

        var csv = "email,action\n" + string.Concat(users.Select(u => $"{u.Email},add\n")) + "nobody1@example.com,add\nnobody2@example.com,add\n";
        var url = files.Serve($"{app}.csv", csv);
        var created = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            (i % 2 == 0 ? httpA : httpB).PostJsonAsync($"{P}/user_group", new { name = $"g{i}", description = "d", file_url = url })));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), created.Select(Uid).Order());

        foreach (var group in created)
        {
            var done = await WaitDoneAsync(httpB, P, Uid(group));
            Assert.Equal("completed", done.GetProperty("status").GetString());
            Assert.Equal(2, done.GetProperty("error").GetProperty("count").GetInt64());
            Assert.Equal(users.Select(u => u.Id).Order(), (await MembersAsync(httpA, P, Uid(group))).Order());
        }

        var queue = a.Services.GetRequiredService<IJobQueueStore>();
        foreach (var group in created)
        {
            Assert.Empty(await queue.FindBySubjectAsync("user_group", Tenant, group.GetProperty("_id").GetString()!, CancellationToken.None));
        }
    }

    [Fact]
    public async Task A_restart_during_processing_resumes_from_the_checkpoint_and_applies_nothing_twice()
    {
        const int rows = 6_000;
        var first = Start(("Jobs:BatchSize", "20"), ("Jobs:Concurrency", "1"));
        var http = await ClientAsync(first);
        var users = new List<CreatedUser>();
        for (var i = 0; i < 40; i++)
        {
            users.Add(await http.NewCustomerAsync(app));
        }

        var csv = new StringBuilder("email,action\n");
        var named = 0;
        for (var i = 1; i <= rows; i++)
        {
            csv.Append(i % 10 == 0 ? $"nobody{i}@example.com,add\n" : $"{users[named++ % users.Count].Email},add\n");
        }

        var url = files.Serve($"{app}-big.csv", csv.ToString());
        var group = await http.PostJsonAsync($"{P}/user_group", new { name = "big", description = "d", file_url = url });
        var groupId = group.GetProperty("_id").GetString()!;

        // Stop the instance once part of the file is applied.
        var queue = first.Services.GetRequiredService<IJobQueueStore>();
        var until = DateTime.UtcNow.AddSeconds(60);
        while ((await queue.FindBySubjectAsync("user_group", Tenant, groupId, CancellationToken.None)) is not [{ Checkpoint: >= 200 }])
        {
            Assert.True(DateTime.UtcNow < until, "no checkpoint was written within 60 s");
            await Task.Delay(5);
        }

        await first.DisposeAsync();
        instances.Remove(first);
        var left = Assert.Single(await Start(("Jobs:Enabled", "false")).Services.GetRequiredService<IJobQueueStore>()
            .FindBySubjectAsync("user_group", Tenant, groupId, CancellationToken.None));
        Assert.True(left.Checkpoint is > 0 and < rows, $"the run was not interrupted mid-way (checkpoint {left.Checkpoint})");
        Assert.Null(left.LeaseOwner); // a clean stop gives the job back at once

        var second = Start(("Jobs:BatchSize", "200"));
        var http2 = await ClientAsync(second);
        var done = await WaitDoneAsync(http2, P, Uid(group), 120);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(rows / 10, done.GetProperty("error").GetProperty("count").GetInt64());
        Assert.Equal(users.Select(u => u.Id).Order(), (await MembersAsync(http2, P, Uid(group))).Order());
        var report = await ReportAsync(http2, done.GetProperty("error").GetProperty("file_url").GetString()!);
        Assert.Equal(rows / 10 + 1, report.TrimEnd('\n').Split('\n').Length);
        Assert.Equal(2, files.Hits.GetValueOrDefault($"/files/{app}-big.csv")); // fetched again once after the restart
    }

    [Fact]
    public async Task A_crashed_instance_loses_its_job_when_its_lease_ends_and_rows_it_checkpointed_are_not_applied_again()
    {
        var api = Start(("Jobs:Enabled", "false"));
        var http = await ClientAsync(api);
        var good = new List<CreatedUser>();
        for (var i = 0; i < 3; i++)
        {
            good.Add(await http.NewCustomerAsync(app));
        }

        // Rows 1-3 were "applied" by the crashed instance (checkpoint 3): their error rows must not appear again.
        var url = files.Serve($"{app}-crash.csv",
            "email,action\nnobody1@example.com,add\nnobody2@example.com,add\nnobody3@example.com,add\n" +
            string.Concat(good.Select(u => $"{u.Email},add\n")));
        var group = await http.PostJsonAsync($"{P}/user_group", new { name = "crash", description = "d", file_url = url });
        var queue = api.Services.GetRequiredService<IJobQueueStore>();
        var now = DateTime.UtcNow;
        var ghost = await queue.ClaimAsync(["user_group"], "crashed-instance", now.AddSeconds(1), now.AddSeconds(6), CancellationToken.None);
        Assert.NotNull(ghost);
        Assert.True(await queue.RenewAsync(ghost.Id, "crashed-instance", now.AddSeconds(6), 3, CancellationToken.None));

        var worker = Start();
        var httpW = await ClientAsync(worker);
        Assert.Equal("pending", (await httpW.GetJsonAsync($"{P}/user_group/{Uid(group)}")).GetProperty("status").GetString());
        var done = await WaitDoneAsync(httpW, P, Uid(group));
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.False(done.TryGetProperty("error", out _), done.GetRawText());
        Assert.Equal(good.Select(u => u.Id).Order(), (await MembersAsync(httpW, P, Uid(group))).Order());
    }
}

public sealed class SqliteGroupWorkerTests : GroupWorkerTests
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "userauth-workers-" + Guid.NewGuid().ToString("N"));

    protected override Dictionary<string, string?>? StoreSettings() => new()
    {
        ["Storage:Provider"] = "Sqlite",
        ["Storage:Sqlite:Path"] = Path.Combine(folder, "userauth.db"),
    };

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class MongoGroupWorkerTests : GroupWorkerTests
{
    private readonly string database = "userauth_workers_" + Guid.NewGuid().ToString("N")[..12];
    private readonly string? connection = Environment.GetEnvironmentVariable("USERAUTH_TEST_MONGODB");

    protected override Dictionary<string, string?>? StoreSettings()
    {
        if (string.IsNullOrWhiteSpace(connection))
        {
            Unavailable = "No MongoDB: set USERAUTH_TEST_MONGODB (scripts/test.sh starts the wire emulator) to run the multi-instance tests on MongoDB.";
            return null;
        }

        return new()
        {
            ["Storage:Provider"] = "MongoDb",
            ["Storage:MongoDb:ConnectionString"] = connection,
            ["Storage:MongoDb:Database"] = database,
        };
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (!string.IsNullOrWhiteSpace(connection))
        {
            try
            {
                await new MongoDB.Driver.MongoClient(connection).DropDatabaseAsync(database);
            }
            catch (MongoDB.Driver.MongoException)
            {
            }
        }
    }
}
