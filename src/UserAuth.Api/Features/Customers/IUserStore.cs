using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Customers;

/// <summary>What a customer listing asks: exact identity keys and/or a lowercase prefix of username or name.</summary>
internal sealed record CustomerFilter(IReadOnlyList<string> Keys, string? Prefix)
{
    public static readonly CustomerFilter All = new([], null);

    public bool IsEmpty => Keys.Count == 0 && Prefix is null;

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

    /// <summary>Deleted users whose restore window ended before <paramref name="now"/>.</summary>
    Task<IReadOnlyList<User>> FindDeletedDueAsync(DateTime now, int limit, CancellationToken cancellationToken);
}

/// <summary>A write lost to a unique identity key; <see cref="Key"/> names it (null only when the server did not say).</summary>
internal sealed class IdentityTakenException(string? key) : Exception("An identity key is held by another user.")
{
    public string? Key { get; } = key;
}
