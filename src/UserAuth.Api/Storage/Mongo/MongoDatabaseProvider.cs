using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Bson.Serialization.Conventions;
using MongoDB.Driver;
using MongoDB.Driver.Core.Configuration;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>One <see cref="MongoClient"/> for the process, with the driver's logs going to <see cref="ILoggerFactory"/>.</summary>
internal sealed class MongoDatabaseProvider
{
    public MongoDatabaseProvider(IOptions<StorageOptions> options, ILoggerFactory loggerFactory)
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
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(mongo.ConnectTimeoutSeconds);
        Client = new MongoClient(settings);
        Database = Client.GetDatabase(mongo.Database);
        ConnectTimeout = TimeSpan.FromSeconds(mongo.ConnectTimeoutSeconds);
    }

    public IMongoClient Client { get; }

    public IMongoDatabase Database { get; }

    private TimeSpan ConnectTimeout { get; }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConnectTimeout + TimeSpan.FromSeconds(2));
        await Database.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: timeout.Token);
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
