using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using UserAuth.Tests.Auth;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Reliability;

/// <summary>
/// Issue 14, company-wide writes: the service in its own process is SIGKILLed during a flood of createApiClient and
/// updateApiClient (each update a new description), then started again. Every client the store holds has a
/// createApiClient record naming it (the body names the client, so even a record the kill left uncompleted does), every
/// stored description that an update wrote is in an updateApiClient record of that client, and every acknowledged
/// write has its completed record. <c>USERAUTH_CRASH_ROUNDS=N</c> kills N times.
/// </summary>
public abstract class ClientAuditCrashTests(ApiFixture fixture) : CrashTestBase("userauth-clientauditcrash-")
{
    private const string Trail = "/service/platform/user/v1.0/company/1001/audit";
    private const string Initial = "new";

    private Dictionary<string, string?> Settings() => StoreSettings(fixture);

    [Fact]
    public async Task A_SIGKILL_during_client_writes_leaves_no_stored_client_write_without_its_record()
    {
        fixture.RequireStore();
        const int writerCount = 4;
        var prefix = "crash-" + Guid.NewGuid().ToString("N")[..6] + "-";
        var createdAck = new ConcurrentBag<string>();
        var updatedAck = new ConcurrentBag<(string Client, string Description)>();
        var writes = 0;
        for (var round = 0; round < Rounds; round++)
        {
            var service = await StartAsync(Settings());
            var http = await service.ClientAsync(TestClients.Admin);
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, writerCount).Select(w => Task.Run(async () =>
            {
                var mine = new List<string>();
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        if (mine.Count < 2 || i % 4 == 0)
                        {
                            // Creates hash a secret (PBKDF2): fewer of them than updates.
                            var id = $"{prefix}{w}-{round}-{i}";
                            using var created = await http.PostAsync(ApiClientsApiTests.ClientsPath,
                                Http.Json(new { client_id = id, description = Initial, scopes = new[] { "user:read" } }), stop.Token);
                            if (created.StatusCode == HttpStatusCode.Created)
                            {
                                createdAck.Add(id);
                                mine.Add(id);
                                Interlocked.Increment(ref writes);
                            }
                        }
                        else
                        {
                            var id = mine[i % mine.Count];
                            var description = "d-" + Guid.NewGuid().ToString("N")[..10];
                            using var updated = await http.PutAsync($"{ApiClientsApiTests.ClientsPath}/{id}",
                                Http.Json(new { description }), stop.Token);
                            if (updated.StatusCode == HttpStatusCode.OK)
                            {
                                updatedAck.Add((id, description));
                                Interlocked.Increment(ref writes);
                            }
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                    {
                        return; // the process died under the request: not acknowledged
                    }
                }
            })).ToList();

            var before = Volatile.Read(ref writes);
            var until = DateTime.UtcNow.AddSeconds(30);
            while (Volatile.Read(ref writes) < before + 80 && DateTime.UtcNow < until)
            {
                await Task.Delay(20, Ct);
            }

            await service.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        Assert.True(createdAck.Count >= 4, $"only {createdAck.Count} creates were acknowledged");
        var restarted = await StartAsync(Settings());
        var reader = await restarted.ClientAsync(TestClients.Admin);
        var stored = (await AllPagesAsync(reader, ApiClientsApiTests.ClientsPath))
            .Where(c => c.GetProperty("client_id").GetString()!.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(c => c.GetProperty("client_id").GetString()!, c => c.GetProperty("description").GetString()!);
        var records = (await AllPagesAsync(reader, Trail)).Select(r => new
        {
            Operation = r.GetProperty("operation").GetString()!,
            Status = r.GetProperty("status").GetInt32(),
            Client = r.GetProperty("resource_ids").EnumerateArray().Where(x => x.GetProperty("name").GetString() == "client_id")
                .Select(x => x.GetProperty("id").GetString()!).FirstOrDefault(),
            Description = r.GetProperty("changes").EnumerateArray().Where(c => c.GetProperty("field").GetString() == "description")
                .Select(c => c.GetProperty("value").GetString()!).FirstOrDefault(),
        }).Where(r => r.Client?.StartsWith(prefix, StringComparison.Ordinal) == true).ToList();

        var createRecords = records.Where(r => r.Operation == "createApiClient").ToList();
        foreach (var (id, description) in stored)
        {
            Assert.True(createRecords.Any(r => r.Client == id), $"stored client {id} has no createApiClient record");
            if (description != Initial)
            {
                Assert.True(records.Any(r => r.Operation == "updateApiClient" && r.Client == id && r.Description == description),
                    $"client {id}'s stored description {description} is in no updateApiClient record");
            }
        }

        Assert.All(createdAck, id => Assert.True(stored.ContainsKey(id), $"acknowledged client {id} is missing"));
        Assert.All(createdAck, id => Assert.Contains(createRecords, r => r.Client == id && r.Status == 201));
        Assert.All(updatedAck, u => Assert.Contains(records,
            r => r.Operation == "updateApiClient" && r.Client == u.Client && r.Description == u.Description && r.Status == 200));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Rounds} SIGKILL(s), {writes} acknowledged client writes ({createdAck.Count} creates, {updatedAck.Count} updates), " +
            $"{stored.Count} clients stored, {records.Count} records ({records.Count(r => r.Status == 0)} written ahead and not completed)");
    }

    private static async Task<List<JsonElement>> AllPagesAsync(HttpClient http, string path)
    {
        var all = new List<JsonElement>();
        for (var page = 1; ; page++)
        {
            var body = await http.GetJsonAsync($"{path}?page_size=100&page_no={page}");
            var items = body.GetProperty("items").EnumerateArray().ToList();
            all.AddRange(items);
            if (items.Count == 0 || !body.GetProperty("page").GetProperty("has_next").GetBoolean())
            {
                return all;
            }
        }
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteClientAuditCrashTests(SqliteApiFixture fixture) : ClientAuditCrashTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoClientAuditCrashTests(MongoApiFixture fixture) : ClientAuditCrashTests(fixture);
