namespace UserAuth.Api.Storage.Mongo;

/// <summary>Readiness of MongoDB: the primary (selected within the operation time-out) answers and takes writes.</summary>
internal sealed class MongoStoreProbe(MongoDatabaseProvider mongo) : IStoreProbe
{
    public string Provider => "mongodb";

    public async Task<string?> ProbeAsync(CancellationToken cancellationToken) =>
        await mongo.PrimaryIsWritableAsync(cancellationToken) ? null : "the selected server is not a writable primary";
}
