using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Bson.Serialization.Conventions;
using MongoDB.Driver;
using MongoDB.Driver.Core.Configuration;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>One <see cref="MongoClient"/> for the process, with the driver's logs going to <see cref="ILoggerFactory"/>.</summary>
internal sealed class MongoDatabaseProvider
{
    /// <param name="options">The storage settings.</param>
    /// <param name="loggerFactory">Where the driver logs.</param>
    /// <param name="configure">Changes to the client settings (tests subscribe to the driver's command events).</param>
    public MongoDatabaseProvider(IOptions<StorageOptions> options, ILoggerFactory loggerFactory,
        Action<MongoClientSettings>? configure = null)
    {
        MongoConventions.Register();
        var mongo = options.Value.MongoDb;
        if (string.IsNullOrWhiteSpace(mongo.ConnectionString))
        {
            throw new StoreUnavailableException(
                "Storage:MongoDb:ConnectionString is empty; set Storage__MongoDb__ConnectionString or use Storage__Provider=Sqlite.");
        }

        MongoClientSettings settings;
        try
        {
            settings = MongoClientSettings.FromConnectionString(mongo.ConnectionString);
        }
        catch (MongoConfigurationException e)
        {
            throw new StoreUnavailableException($"Storage:MongoDb:ConnectionString is not a valid MongoDB connection string: {e.Message}", e);
        }

        settings.LoggingSettings = new LoggingSettings(loggerFactory);
        // An operation waits at most this long for a primary, then the request is answered 503 (not after 30 s).
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(options.Value.OperationTimeoutSeconds);
        configure?.Invoke(settings);
        Client = new MongoClient(settings);
        Database = Client.GetDatabase(mongo.Database);
        ConnectTimeout = TimeSpan.FromSeconds(mongo.ConnectTimeoutSeconds);
        IndexTimeout = TimeSpan.FromSeconds(mongo.IndexTimeoutSeconds);
    }

    public IMongoClient Client { get; }

    public IMongoDatabase Database { get; }

    private TimeSpan ConnectTimeout { get; }

    /// <summary>How long start-up waits for one collection's indexes.</summary>
    public TimeSpan IndexTimeout { get; }

    /// <summary>Start-up: pings until the server answers, for at most <c>ConnectTimeoutSeconds</c>.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout + TimeSpan.FromSeconds(2));
        var deadline = DateTime.UtcNow + ConnectTimeout;
        while (true)
        {
            try
            {
                await Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: timeout.Token);
                return;
            }
            catch (Exception e) when (e is TimeoutException or MongoConnectionException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), timeout.Token);
            }
        }
    }

    /// <summary>Readiness: the primary answers <c>hello</c> and says it takes writes.</summary>
    public async Task<bool> PrimaryIsWritableAsync(CancellationToken cancellationToken)
    {
        var hello = await Database.RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), ReadPreference.Primary,
            cancellationToken);
        return hello.GetValue("isWritablePrimary", hello.GetValue("ismaster", false)).ToBoolean();
    }

    /// <summary>
    /// Server errors after which the same write may succeed on the next primary: the retryable-write error codes of the
    /// drivers' specification (not primary, stepping down, shutting down, network). Used to repeat idempotent
    /// multi-document writes, which the driver does not retry by itself.
    /// </summary>
    private static readonly int[] TransientCodes = [6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436];

    /// <summary>
    /// True for an error a repeated, idempotent write may get past (failover, stepdown, lost connection). Not a
    /// <see cref="TimeoutException"/>: server selection has already waited the whole connect time-out for a primary.
    /// </summary>
    public static bool IsTransient(Exception e) => e switch
    {
        MongoConnectionException or MongoNotPrimaryException or MongoNodeIsRecoveringException => true,
        MongoException m when m.HasErrorLabel("RetryableWriteError") => true,
        MongoWriteConcernException w => w.WriteConcernResult?.Response?.GetValue("writeConcernError", null) is BsonDocument wce &&
                                        TransientCodes.Contains(wce.GetValue("code", 0).ToInt32()),
        MongoCommandException c => TransientCodes.Contains(c.Code),
        MongoWriteException w => (w.WriteError is { } error && TransientCodes.Contains(error.Code)) ||
                                 (w.WriteConcernError is { } concern && TransientCodes.Contains(concern.Code)),
        MongoBulkWriteException b => b.WriteErrors.Any(x => TransientCodes.Contains(x.Code)) ||
                                     (b.WriteConcernError is { } concern && TransientCodes.Contains(concern.Code)),
        _ => false,
    };

    /// <summary>
    /// Runs an idempotent write the driver does not retry (<c>updateMany</c>, <c>deleteMany</c>: not retryable writes) again
    /// after a transient error, up to 4 attempts 200/400/600 ms apart; <paramref name="write"/> gets the attempt number.
    /// Repeating must be harmless: the write's filter leaves out what an earlier, partial attempt already changed.
    /// </summary>
    public static async Task<T> RepeatOnTransientAsync<T>(Func<int, Task<T>> write, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await write(attempt);
            }
            catch (Exception e) when (attempt < 4 && IsTransient(e))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
        }
    }

    /// <summary>True for a duplicate key error (E11000), from a single write or a bulk write.</summary>
    public static bool IsDuplicateKey(MongoException e) => e switch
    {
        MongoWriteException w => w.WriteError?.Category == ServerErrorCategory.DuplicateKey,
        MongoBulkWriteException b => b.WriteErrors.Any(x => x.Category == ServerErrorCategory.DuplicateKey),
        MongoCommandException c => c.Code == 11000,
        _ => false,
    };
}

/// <summary>Conventions for this project's types only, registered once.</summary>
internal static class MongoConventions
{
    private static int registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1)
        {
            return;
        }

        var pack = new ConventionPack
        {
            new SnakeCaseElementNameConvention(),
            new StringIdStoredAsObjectIdConvention(),
            new IgnoreExtraElementsConvention(true),
            new EnumRepresentationConvention(BsonType.String),
            new IgnoreIfNullConvention(true),
        };
        ConventionRegistry.Register("UserAuth", pack,
            type => type.Namespace?.StartsWith("UserAuth.", StringComparison.Ordinal) == true);
    }

    private sealed class SnakeCaseElementNameConvention : ConventionBase, IMemberMapConvention
    {
        public void Apply(MongoDB.Bson.Serialization.BsonMemberMap memberMap)
        {
            if (memberMap.MemberName == "Id")
            {
                return;
            }

            memberMap.SetElementName(System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(memberMap.MemberName));
        }
    }
}
