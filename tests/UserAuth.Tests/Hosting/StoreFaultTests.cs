using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using UserAuth.Api.Storage;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Hosting;

/// <summary>
/// Issue 10 item 3 and the Health section of issue 12: a busy store is answered 503 with <c>Retry-After</c> and the error
/// body within the configured time, readiness reports it by name, and both recover by themselves.
/// </summary>
public sealed class StoreFaultTests : IAsyncLifetime
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "userauth-faults-" + Guid.NewGuid().ToString("N"));
    private ApiFactory? factory;

    private string DatabasePath => Path.Combine(folder, "userauth.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Provider"] = "Sqlite";
        settings["Storage:Sqlite:Path"] = DatabasePath;
        settings["Storage:OperationTimeoutSeconds"] = "1";
        settings["Storage:RetryAfterSeconds"] = "7";
        settings["Storage:HealthCheckTimeoutSeconds"] = "1";
        factory = new ApiFactory(settings);
        _ = factory.Server;
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }

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
    public async Task A_database_locked_by_another_process_is_a_bounded_503_and_unready_then_both_recover()
    {
        var http = factory!.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            await ApiFixture.TokenAsync(http, TestClients.Main));
        var app = Http.App(ApiFixture.NewApplicationId());
        await http.PostJsonAsync($"{app}/customers", Build.User());
        var ready = await ReadyAsync(http, HttpStatusCode.OK);
        var healthyAt = ready.GetProperty("checks").GetProperty("store").GetProperty("last_success").GetString();

        // Another process's writer: its own (unpooled) connection holding the write lock.
        await using (var other = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            await other.OpenAsync(Ct);
            await using (var begin = other.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE;";
                await begin.ExecuteNonQueryAsync(Ct);
            }

            var clock = Stopwatch.StartNew();
            using var refused = await http.PostAsync($"{app}/customers", Http.Json(Build.User()), Ct);
            var elapsed = clock.Elapsed;
            var body = await refused.ExpectAsync(HttpStatusCode.ServiceUnavailable);
            Http.AssertError(body, "store_unavailable");
            Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"answered after {elapsed}");

            var unready = await ReadyAsync(http, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("Unhealthy", unready.GetProperty("status").GetString());
            var store = unready.GetProperty("checks").GetProperty("store");
            Assert.Equal("Unhealthy", store.GetProperty("status").GetString());
            Assert.Equal("sqlite", store.GetProperty("provider").GetString());
            Assert.Equal(healthyAt, store.GetProperty("last_success").GetString());

            await using var rollback = other.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync(Ct);
        }

        await http.PostJsonAsync($"{app}/customers", Build.User());
        var recovered = await ReadyAsync(http, HttpStatusCode.OK);
        var storeAgain = recovered.GetProperty("checks").GetProperty("store");
        Assert.Equal("Healthy", storeAgain.GetProperty("status").GetString());
        Assert.True(string.CompareOrdinal(storeAgain.GetProperty("last_success").GetString(), healthyAt) > 0);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live", Ct)).StatusCode);
    }

    [Theory]
    [InlineData(5, true)] // SQLITE_BUSY
    [InlineData(6, true)] // SQLITE_LOCKED
    [InlineData(8, true)] // SQLITE_READONLY
    [InlineData(10, true)] // SQLITE_IOERR
    [InlineData(13, true)] // SQLITE_FULL
    [InlineData(14, true)] // SQLITE_CANTOPEN
    [InlineData(19, false)] // SQLITE_CONSTRAINT: a bug or a conflict, never "retry later"
    [InlineData(1, false)] // SQLITE_ERROR
    public void Sqlite_faults_that_mean_busy_full_or_unreachable_are_store_unavailable(int code, bool unavailable) =>
        Assert.Equal(unavailable, StoreFaults.IsUnavailable(new SqliteException("fault", code)));

    [Fact]
    public void MongoDB_without_a_primary_in_time_is_store_unavailable()
    {
        // What the driver throws when server selection finds no primary within ServerSelectionTimeout.
        Assert.True(StoreFaults.IsUnavailable(new TimeoutException("A timeout occurred after 5000ms selecting a server")));
        Assert.False(StoreFaults.IsUnavailable(new InvalidOperationException("a bug")));
    }

    private static async Task<JsonElement> ReadyAsync(HttpClient http, HttpStatusCode status)
    {
        using var response = await http.GetAsync("/health/ready", Ct);
        return await response.ExpectAsync(status);
    }
}

/// <summary><c>/health/ready</c> names each dependency with its status and last success, on both stores.</summary>
public abstract class ReadinessApiTests(ApiFixture fixture)
{
    [Fact]
    public async Task Ready_reports_the_store_by_name_with_its_last_successful_check()
    {
        var http = fixture.Anonymous();
        var before = DateTime.UtcNow.AddSeconds(-1);

        using var response = await http.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        var body = await response.ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        var store = body.GetProperty("checks").GetProperty("store");
        Assert.Equal("Healthy", store.GetProperty("status").GetString());
        Assert.Equal(fixture.Store == StoreKind.Sqlite ? "sqlite" : "mongodb", store.GetProperty("provider").GetString());
        var lastSuccess = DateTime.Parse(store.GetProperty("last_success").GetString()!, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.True(lastSuccess >= before, $"last_success {lastSuccess:O} is older than the request");
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteReadinessApiTests(SqliteApiFixture fixture) : ReadinessApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoReadinessApiTests(MongoApiFixture fixture) : ReadinessApiTests(fixture);
