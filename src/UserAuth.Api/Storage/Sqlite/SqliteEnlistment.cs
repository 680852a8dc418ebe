using Microsoft.Data.Sqlite;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// Work that rides along with the next write of the current async flow (a request): it runs inside that write's
/// savepoint, after the write's own work, so both are committed together or neither is. Used by the audit trail to
/// store a write's record in the same transaction as the write (<see cref="SqliteAuditStore"/>).
/// </summary>
/// <remarks>
/// Made current with <see cref="Enter"/> by the caller that owns the flow (an AsyncLocal: it flows into everything that
/// caller awaits afterwards). The first write through <see cref="SqliteDatabase.WriteAsync{T}"/> takes it; if that
/// write fails it is given back for the next one. Once the scope is left, nothing takes it any more (work started in
/// the flow and still running later, such as a queued job, does not carry it). Enlistments nest: one entered inside
/// another's scope (a lifecycle event inside a request whose audit record still waits) keeps the outer one current
/// too, and a write carries every one still waiting; leaving the inner scope makes the outer one current again.
/// </remarks>
internal sealed class SqliteEnlistment(Func<SqliteConnection, SqliteTransaction, CancellationToken, Task> work)
{
    private const int Waiting = 0;
    private const int Taken = 1;
    private const int Written = 2;
    private const int Closed = 3;

    private static readonly AsyncLocal<SqliteEnlistment?> Ambient = new();
    private readonly Func<SqliteConnection, SqliteTransaction, CancellationToken, Task> work = work;
    private SqliteEnlistment? outer;
    private int state;

    /// <summary>True once a write carried the work (in a transaction that committed, or the write failed).</summary>
    public bool Carried => Volatile.Read(ref state) == Written;

    /// <summary>Makes this the current flow's enlistment until the returned scope is disposed.</summary>
    public IDisposable Enter()
    {
        outer = Ambient.Value;
        Ambient.Value = this;
        return new Scope(this);
    }

    /// <summary><paramref name="write"/>, carrying the current flow's enlisted work when it is still waiting for a write.</summary>
    internal static Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> Carry<T>(
        Func<SqliteConnection, SqliteTransaction, CancellationToken, Task<T>> write)
    {
        var taken = new List<SqliteEnlistment>();
        for (var enlisted = Ambient.Value; enlisted is not null; enlisted = enlisted.outer)
        {
            if (Interlocked.CompareExchange(ref enlisted.state, Taken, Waiting) == Waiting)
            {
                taken.Add(enlisted);
            }
        }

        if (taken.Count == 0)
        {
            return write;
        }

        return async (connection, transaction, cancellationToken) =>
        {
            try
            {
                var result = await write(connection, transaction, cancellationToken);
                foreach (var enlisted in taken)
                {
                    await enlisted.work(connection, transaction, CancellationToken.None);
                }

                taken.ForEach(enlisted => Volatile.Write(ref enlisted.state, Written));
                return result;
            }
            catch
            {
                // This write is rolled back to its savepoint: the next write of the flow may carry the work.
                taken.ForEach(enlisted => Interlocked.CompareExchange(ref enlisted.state, Waiting, Taken));
                throw;
            }
        };
    }

    private sealed class Scope(SqliteEnlistment enlistment) : IDisposable
    {
        public void Dispose()
        {
            Interlocked.CompareExchange(ref enlistment.state, Closed, Waiting);
            if (ReferenceEquals(Ambient.Value, enlistment))
            {
                Ambient.Value = enlistment.outer;
            }
        }
    }
}
