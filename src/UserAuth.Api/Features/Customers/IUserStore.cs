using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Customers;

/// <summary>What a customer listing asks: exact identity keys and/or a lowercase prefix of username or name.</summary>
internal sealed record CustomerFilter(IReadOnlyList<string> Keys, string? Prefix)
{
    public static readonly CustomerFilter All = new([], null);

    public bool IsEmpty => Keys.Count == 0 && Prefix is null;

    /// <summary>The form of a username or name a <see cref="Prefix"/> is matched against (what the stores index).</summary>
    public static string? SearchKey(string? name) => name?.Trim().ToLowerInvariant();

    /// <summary>Whether the user holds one of the keys or has a username or name starting with the prefix.</summary>
    public bool Matches(User user) =>
        user.IdentityKeys.Any(Keys.Contains) ||
        (Prefix is { } prefix && (SearchKey(user.Username)!.StartsWith(prefix, StringComparison.Ordinal) ||
                                  SearchKey(user.FirstName)?.StartsWith(prefix, StringComparison.Ordinal) == true ||
                                  SearchKey(user.LastName)?.StartsWith(prefix, StringComparison.Ordinal) == true));

    /// <summary>
    /// A prefix matching more users than this is "broad": its page is read along the listing index (newest first,
    /// stopping at the page) and its total is counted only up to this many, flagged as a lower bound.
    /// </summary>
    public const int BroadCountLimit = 1000;
}

/// <summary>
/// One page of a listing. <paramref name="Total"/> is exact unless <paramref name="TotalBounded"/>, when it is a lower
/// bound (a broad text filter, counted up to <see cref="CustomerFilter.BroadCountLimit"/>).
/// </summary>
internal sealed record CustomerPage(IReadOnlyList<User> Items, long Total, bool TotalBounded, bool HasNext)
{
    public static readonly CustomerPage Empty = new([], 0, false, false);

    public void Deconstruct(out IReadOnlyList<User> items, out long total)
    {
        items = Items;
        total = Total;
    }
}

/// <summary>Storage port of the customers.</summary>
internal interface IUserStore
{
    /// <summary>Inserts a new user; throws <see cref="IdentityTakenException"/> when a key is held by another user.</summary>
    Task InsertAsync(User user, CancellationToken cancellationToken);

    Task<User?> FindByIdAsync(Tenant tenant, string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<User>> FindByIdsAsync(Tenant tenant, IReadOnlyCollection<string> ids, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the user if its stored version is still <paramref name="expectedVersion"/>; false when another write won.
    /// Throws <see cref="IdentityTakenException"/> when a new key is held by another user.
    /// </summary>
    Task<bool> ReplaceAsync(User user, int expectedVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Users in default listings (live or deleted, not archived or erased), newest first. The unfiltered total comes
    /// from counts kept with every write, and deep pages seek from cached page boundaries, so neither walks the
    /// application's users.
    /// </summary>
    Task<CustomerPage> ListAsync(Tenant tenant, CustomerFilter filter, int skip, int take,
        CancellationToken cancellationToken);

    /// <summary>Users holding any of the keys.</summary>
    Task<IReadOnlyList<User>> FindByKeysAsync(Tenant tenant, IReadOnlyCollection<string> keys, int limit,
        CancellationToken cancellationToken);

    /// <summary>
    /// Inserts a batch of new users in one write (one transaction in SQLite, one unordered bulk write in MongoDB) and
    /// returns the ids of those not written because an identity key is held by another user. A user whose id is
    /// already stored is left as it is and not reported: a batch written again after a crash writes nothing twice.
    /// </summary>
    Task<IReadOnlyList<string>> InsertManyAsync(IReadOnlyList<User> users, CancellationToken cancellationToken);

    /// <summary>
    /// Users in <paramref name="state"/> created in [<paramref name="from"/>, <paramref name="to"/>], oldest first by
    /// (created_at, id), after the keyset cursor <paramref name="after"/>: pages that neither skip nor repeat a user.
    /// </summary>
    Task<IReadOnlyList<User>> ListByCreationAsync(Tenant tenant, UserState state, DateTime? from, DateTime to,
        (DateTime CreatedAt, string Id)? after, int take, CancellationToken cancellationToken);

    /// <summary>Deleted users whose restore window ended before <paramref name="now"/>.</summary>
    Task<IReadOnlyList<User>> FindDeletedDueAsync(DateTime now, int limit, CancellationToken cancellationToken);
}

/// <summary>A write lost to a unique identity key; <see cref="Key"/> names it (null only when the server did not say).</summary>
internal sealed class IdentityTakenException(string? key) : Exception("An identity key is held by another user.")
{
    public string? Key { get; } = key;
}
