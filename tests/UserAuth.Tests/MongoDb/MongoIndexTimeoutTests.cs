using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using UserAuth.Api.Storage;
using UserAuth.Api.Storage.Mongo;

namespace UserAuth.Tests.MongoDb;

/// <summary>Index creation at start-up is bounded: a server that never answers fails it with a message, in time.</summary>
public sealed class MongoIndexTimeoutTests
{
    [Fact]
    public async Task Index_creation_that_does_not_finish_in_time_fails_with_what_to_do()
    {
        // Accepts connections and never answers: every command waits, as behind an index build stuck on its quorum.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var acceptLoop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                accepted.Add(await silent.AcceptTcpClientAsync(stop.Token));
            }
        });

        var options = new StorageOptions { Provider = StorageProvider.MongoDb };
        options.MongoDb.ConnectionString = $"mongodb://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/?directConnection=true";
        options.MongoDb.ConnectTimeoutSeconds = 60;
        options.MongoDb.IndexTimeoutSeconds = 1;
        var mongo = new MongoDatabaseProvider(Microsoft.Extensions.Options.Options.Create(options), NullLoggerFactory.Instance);
        var store = new MongoApiClientStore(mongo);
        var started = DateTime.UtcNow;
        try
        {
            var e = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.InitializeAsync(TestContext.Current.CancellationToken));

            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "the time-out did not bound the wait");
            Assert.Contains("'api_clients'", e.Message, StringComparison.Ordinal);
            Assert.Contains("within 1 s (Storage:MongoDb:IndexTimeoutSeconds)", e.Message, StringComparison.Ordinal);
            Assert.Contains("docs/MONGODB.md", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            silent.Stop();
            await Task.WhenAny(acceptLoop, Task.Delay(1000, TestContext.Current.CancellationToken));
            accepted.ForEach(c => c.Dispose());
            mongo.Client.Dispose();
        }
    }
}
