using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Idempotency;

/// <summary>Who sent a key: keys are scoped per tenant (company, application) and API client.</summary>
internal sealed record IdempotencyScope(Tenant Tenant, string ClientId, string Key);

/// <summary>
/// A key as stored. <see cref="Fingerprint"/> is the SHA-256 of the request (method, path, query, body); while the
/// first request runs, <see cref="Owner"/> holds the key until <see cref="LeaseUntil"/> and <see cref="Answer"/> is null.
/// </summary>
internal sealed record IdempotencyRecord(
    string Fingerprint,
    string Owner,
    DateTime LeaseUntil,
    DateTime ExpiresAt,
    StoredAnswer? Answer);

/// <summary>The first answer: its status and, encrypted (it may hold a session cookie), its headers and body.</summary>
internal sealed record StoredAnswer(int Status, string ProtectedContent);

/// <summary>
/// Storage port of idempotency keys, shared by every instance. A claim is one atomic conditional write: a key is
/// taken when it is new, expired, or held by a request whose lease ran out; otherwise the stored record is answered.
/// </summary>
internal interface IIdempotencyStore
{
    /// <summary>True when the store removes expired keys by itself (MongoDB TTL index); else the sweeper does.</summary>
    bool ExpiresByItself { get; }

    /// <summary>Null when <paramref name="owner"/> now holds the key; else the record that holds it.</summary>
    Task<IdempotencyRecord?> ClaimAsync(IdempotencyScope scope, string fingerprint, string owner, DateTime now,
        DateTime leaseUntil, DateTime expiresAt, CancellationToken cancellationToken);

    /// <summary>The live record of a key (not expired at <paramref name="now"/>), or null.</summary>
    Task<IdempotencyRecord?> FindAsync(IdempotencyScope scope, DateTime now, CancellationToken cancellationToken);

    /// <summary>Stores the first answer (only while <paramref name="owner"/> holds the key); false when it no longer does.</summary>
    Task<bool> CompleteAsync(IdempotencyScope scope, string owner, StoredAnswer answer, DateTime expiresAt,
        CancellationToken cancellationToken);

    /// <summary>Gives the key up (the request failed and wrote nothing): the next request with it runs.</summary>
    Task ReleaseAsync(IdempotencyScope scope, string owner, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="limit"/> expired keys; returns how many.</summary>
    Task<int> DeleteExpiredAsync(DateTime now, int limit, CancellationToken cancellationToken);
}
