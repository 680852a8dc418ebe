using Microsoft.Data.Sqlite;
using MongoDB.Driver;

namespace UserAuth.Api.Storage;

/// <summary>
/// Which exceptions mean the store is busy, full or unreachable: the service's condition, answered 503 with
/// <c>Retry-After</c>, not a bug (500). Each adapter's faults are listed here, in one place.
/// </summary>
internal static class StoreFaults
{
    // SQLite primary result codes: BUSY, LOCKED, NOMEM, READONLY, IOERR, FULL, CANTOPEN.
    private static readonly HashSet<int> SqliteUnavailable = [5, 6, 7, 8, 10, 13, 14];

    public static bool IsUnavailable(Exception exception) => exception switch
    {
        StoreUnavailableException => true,
        SqliteException sqlite => SqliteUnavailable.Contains(sqlite.SqliteErrorCode),
        // No primary, unreachable, timed out (server selection), recovering, an exhausted pool.
        MongoExecutionTimeoutException or MongoWaitQueueFullException => true,
        MongoException or TimeoutException when Mongo.MongoDatabaseProvider.IsTransient(exception) => true,
        TimeoutException => true,
        _ => false,
    };
}
