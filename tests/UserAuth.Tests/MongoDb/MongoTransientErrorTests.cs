using System.Net;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Clusters;
using MongoDB.Driver.Core.Connections;
using MongoDB.Driver.Core.Servers;
using UserAuth.Api.Storage.Mongo;

namespace UserAuth.Tests.MongoDb;

/// <summary>Which errors make the adapter repeat an idempotent multi-document write (RevokeAll, DeleteExpired).</summary>
public sealed class MongoTransientErrorTests
{
    private static readonly ConnectionId Connection = new(new ServerId(new ClusterId(1), new DnsEndPoint("localhost", 27017)));

    private static MongoCommandException Command(int code) =>
        new(Connection, $"code {code}", new BsonDocument("update", "user_sessions"),
            new BsonDocument { { "ok", 0 }, { "code", code }, { "errmsg", $"code {code}" } });

    [Theory]
    [InlineData(10107)] // NotWritablePrimary
    [InlineData(11602)] // InterruptedDueToReplStateChange
    [InlineData(189)] // PrimarySteppedDown
    [InlineData(91)] // ShutdownInProgress
    [InlineData(6)] // HostUnreachable
    public void Failover_errors_are_transient(int code) => Assert.True(MongoDatabaseProvider.IsTransient(Command(code)));

    [Theory]
    [InlineData(11000)] // DuplicateKey
    [InlineData(2)] // BadValue
    [InlineData(13)] // Unauthorized
    [InlineData(50)] // MaxTimeMSExpired
    public void Other_errors_are_not(int code) => Assert.False(MongoDatabaseProvider.IsTransient(Command(code)));

    [Fact]
    public void A_lost_connection_is_transient_a_selection_time_out_is_not()
    {
        Assert.True(MongoDatabaseProvider.IsTransient(new MongoConnectionException(Connection, "connection reset")));
        Assert.False(MongoDatabaseProvider.IsTransient(new TimeoutException("no primary within 15 s")));
        Assert.False(MongoDatabaseProvider.IsTransient(new InvalidOperationException()));
    }
}
