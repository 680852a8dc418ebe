using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using Serilog.Core;
using Serilog.Events;
using UserAuth.Api.Storage.Sqlite;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Attributes.AttributeApi;

namespace UserAuth.Tests.Attributes;

/// <summary>Encrypted attributes at rest: the store's bytes and the logs never hold the plain value; keys rotate.</summary>
public sealed class AttributeEncryptionTests
{
    private static readonly string KeyOne = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string KeyTwo = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());
    private static readonly string HashKey = Convert.ToBase64String(Enumerable.Range(201, 32).Select(i => (byte)i).ToArray());

    private sealed class CapturingSink : ILogEventSink
    {
        public ConcurrentQueue<LogEvent> Events { get; } = new();

        public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);
    }

    /// <summary>A throw-away store of the kind; null (with the test skipped) when that store is not available here.</summary>
    private static Dictionary<string, string?> StoreSettings(StoreKind kind, string name)
    {
        if (kind == StoreKind.Sqlite)
        {
            return new()
            {
                ["Storage:Provider"] = "Sqlite",
                ["Storage:Sqlite:Path"] = Path.Combine(Path.GetTempPath(), "userauth-attr-" + name, "userauth.db"),
            };
        }

        var mongo = Environment.GetEnvironmentVariable("USERAUTH_TEST_MONGODB");
        if (string.IsNullOrWhiteSpace(mongo))
        {
            Assert.Skip("No MongoDB here: set USERAUTH_TEST_MONGODB (scripts/test.sh starts the wire emulator).");
        }

        return new()
        {
            ["Storage:Provider"] = "MongoDb",
            ["Storage:MongoDb:ConnectionString"] = mongo,
            ["Storage:MongoDb:Database"] = "userauth_attr_" + name,
        };
    }

    private static ApiFactory Factory(Dictionary<string, string?> store, params (string Key, string? Value)[] extra)
    {
        var settings = ApiFactory.BaseSettings();
        foreach (var (key, value) in store)
        {
            settings[key] = value;
        }

        settings["Secrets:EncryptionKey"] = Convert.ToBase64String(new byte[32]);
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return new ApiFactory(settings);
    }

    private static async Task<HttpClient> ClientAsync(ApiFactory factory)
    {
        var http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", await ApiFixture.TokenAsync(http, TestClients.Main));
        return http;
    }

    private static async Task<string> RawStoreTextAsync(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> factory, StoreKind kind, string name)
    {
        if (kind == StoreKind.Sqlite)
        {
            var path = factory.Services.GetRequiredService<SqliteDatabase>().FilePath;
            var text = new StringBuilder();
            foreach (var file in new[] { path, path + "-wal" }.Where(File.Exists))
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer);
                text.Append(Encoding.UTF8.GetString(buffer.ToArray()));
            }

            return text.ToString();
        }

        var database = new MongoClient(Environment.GetEnvironmentVariable("USERAUTH_TEST_MONGODB")).GetDatabase("userauth_attr_" + name);
        var documents = await database.GetCollection<BsonDocument>("user_attributes").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        return string.Join("\n", documents.Select(d => d.ToJson()));
    }

    private static async Task CleanUpAsync(StoreKind kind, string name)
    {
        if (kind == StoreKind.Sqlite)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(Path.Combine(Path.GetTempPath(), "userauth-attr-" + name), recursive: true);
            }
            catch (IOException)
            {
            }
        }
        else
        {
            await new MongoClient(Environment.GetEnvironmentVariable("USERAUTH_TEST_MONGODB")).DropDatabaseAsync("userauth_attr_" + name);
        }
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.MongoDb)]
    public async Task The_plain_value_is_nowhere_in_the_stores_bytes_or_the_logs_but_reads_and_equality_filters_work(StoreKind kind)
    {
        var name = Guid.NewGuid().ToString("N")[..12];
        var settings = StoreSettings(kind, name);
        var sink = new CapturingSink();
        try
        {
            await using var factory = Factory(settings, ("Serilog:MinimumLevel:Default", "Verbose"));
            await using var logged = factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILogEventSink>(sink)));
            var http = logged.CreateClient();
            http.DefaultRequestHeaders.Authorization = new("Bearer", await ApiFixture.TokenAsync(http, TestClients.Main));
            var app = ApiFixture.NewApplicationId();
            var secret = $"Secret-{Guid.NewGuid():N}";
            var visible = $"Visible-{Guid.NewGuid():N}";
            var encrypted = Id(await http.DefineAsync(app, "string", new { encrypted = true }));
            var plain = Id(await http.DefineAsync(app, "string"));
            var user = (await http.NewCustomerAsync(app)).Id;

            await http.SetAsync(app, encrypted, user, secret);
            await http.SetAsync(app, plain, user, visible);
            await http.SetAsync(app, encrypted, user, "x", HttpStatusCode.OK);
            await http.SetAsync(app, encrypted, user, secret);

            Assert.Equal(secret, (await http.GetJsonAsync(Value(app, encrypted, user))).GetProperty("attribute").GetProperty("value").GetString());
            Assert.Equal([user], UserIds(await http.FilterAsync(app, "and", [new { definition_id = encrypted, type = "eq", value = secret }])));
            var raw = await RawStoreTextAsync(logged, kind, name);
            Assert.Contains(visible, raw, StringComparison.Ordinal); // the check can fail: a plain value is there
            Assert.DoesNotContain(secret, raw, StringComparison.Ordinal);
            Assert.DoesNotContain(secret.ToLowerInvariant(), raw.ToLowerInvariant(), StringComparison.Ordinal);
            var lines = sink.Events.Select(e => e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture) + " " + string.Join(" ", e.Properties.Select(p => $"{p.Key}={p.Value}"))).ToList();
            Assert.NotEmpty(lines);
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal) || l.Contains(visible, StringComparison.Ordinal));
        }
        finally
        {
            await CleanUpAsync(kind, name);
        }
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.MongoDb)]
    public async Task A_new_key_encrypts_new_writes_old_values_stay_readable_and_reencryption_moves_them(StoreKind kind)
    {
        var name = Guid.NewGuid().ToString("N")[..12];
        var settings = StoreSettings(kind, name);
        var app = ApiFixture.NewApplicationId();
        string definition, first, second;
        try
        {
            await using (var one = Factory(settings, ("Attributes:Encryption:Keys:0:Id", "k1"), ("Attributes:Encryption:Keys:0:Key", KeyOne),
                             ("Attributes:Encryption:ActiveKeyId", "k1"), ("Attributes:Encryption:HashKey", HashKey)))
            {
                var http = await ClientAsync(one);
                definition = Id(await http.DefineAsync(app, "string", new { encrypted = true }));
                first = (await http.NewCustomerAsync(app)).Id;
                second = (await http.NewCustomerAsync(app)).Id;
                await http.SetAsync(app, definition, first, "first-secret");
            }

            var both = new[]
            {
                ("Attributes:Encryption:Keys:0:Id", "k1"), ("Attributes:Encryption:Keys:0:Key", KeyOne),
                ("Attributes:Encryption:Keys:1:Id", "k2"), ("Attributes:Encryption:Keys:1:Key", KeyTwo),
                ("Attributes:Encryption:ActiveKeyId", "k2"), ("Attributes:Encryption:HashKey", HashKey),
            }.Select(x => (x.Item1, (string?)x.Item2)).ToArray();
            await using (var rotated = Factory(settings, both))
            {
                var http = await ClientAsync(rotated);
                Assert.Equal("first-secret", (await http.GetJsonAsync(Value(app, definition, first))).GetProperty("attribute").GetProperty("value").GetString());
                await http.SetAsync(app, definition, second, "second-secret");
                var raw = await RawStoreTextAsync(rotated, kind, name);
                Assert.Contains("k1", raw, StringComparison.Ordinal);
                Assert.Contains("k2", raw, StringComparison.Ordinal);

                var pass = await http.PostJsonAsync($"{Http.App(app)}/user_attribute/encryption/reencrypt", new { });
                Assert.Equal("k2", pass.GetProperty("active_key_id").GetString());
                Assert.Equal(1, pass.GetProperty("reencrypted").GetInt32());
                Assert.Equal(0, pass.GetProperty("remaining").GetInt32());
                Assert.Equal(0, (await http.PostJsonAsync($"{Http.App(app)}/user_attribute/encryption/reencrypt", new { })).GetProperty("reencrypted").GetInt32());
            }

            await using var onlyTwo = Factory(settings, ("Attributes:Encryption:Keys:0:Id", "k2"), ("Attributes:Encryption:Keys:0:Key", KeyTwo),
                ("Attributes:Encryption:ActiveKeyId", "k2"), ("Attributes:Encryption:HashKey", HashKey));
            var after = await ClientAsync(onlyTwo);
            Assert.Equal("first-secret", (await after.GetJsonAsync(Value(app, definition, first))).GetProperty("attribute").GetProperty("value").GetString());
            Assert.Equal([first], UserIds(await after.FilterAsync(app, "and", [new { definition_id = definition, type = "eq", value = "first-secret" }])));
        }
        finally
        {
            await CleanUpAsync(kind, name);
        }
    }
}
