using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Attributes;

/// <summary>What a definition listing asks; null means "any".</summary>
internal sealed record DefinitionFilter
{
    public IReadOnlyList<string> ExcludingIds { get; init; } = [];

    public string? Slug { get; init; }

    public string? Type { get; init; }

    public bool? CustomerEditable { get; init; }

    public bool? Encrypted { get; init; }

    public bool? Pinned { get; init; }

    public int? PinOrder { get; init; }

    public bool? IsLocked { get; init; }

    /// <summary>Case-insensitive "contains" on the name.</summary>
    public string? Name { get; init; }
}

/// <summary>Which terms a condition looks at.</summary>
internal enum TermKind
{
    Text,
    Number,
    Hash,
}

/// <summary>How a condition's terms match (each positive; <see cref="StoreCondition.Negated"/> turns it into "none").</summary>
internal enum TermMatch
{
    In,
    Gt,
    Gte,
    Lt,
    Lte,
    Between,
    Contains,
    StartsWith,
    EndsWith,
}

/// <summary>
/// One condition as the store runs it on a definition's values: a user matches when one of the value's terms matches
/// (or, negated, when the user has a value and none of its terms match). Text/hash operands are in
/// <see cref="Text"/>, number operands in <see cref="Numbers"/> (two for <see cref="TermMatch.Between"/>).
/// </summary>
internal sealed record StoreCondition(string DefinitionId, TermKind Kind, TermMatch Match, bool Negated,
    IReadOnlyList<string> Text, IReadOnlyList<double> Numbers);

/// <summary>Conditions joined by and (<see cref="MatchAll"/>) or or, optionally only among <see cref="UserIds"/>.</summary>
internal sealed record StoreFilter(bool MatchAll, IReadOnlyList<StoreCondition> Conditions, IReadOnlyCollection<string>? UserIds = null);

/// <summary>
/// Storage port of attribute definitions and user attribute values. Definitions are unique by slug per application
/// (enforced by the store). Values are unique per (definition, user). Every read is per tenant.
/// </summary>
internal interface IAttributeStore
{
    /// <summary>Inserts a definition; throws <see cref="DuplicateSlugException"/> when the slug is taken.</summary>
    Task InsertDefinitionAsync(AttributeDefinition definition, CancellationToken cancellationToken);

    Task<AttributeDefinition?> FindDefinitionAsync(Tenant tenant, string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<AttributeDefinition>> FindDefinitionsAsync(Tenant tenant, IReadOnlyCollection<string> ids,
        CancellationToken cancellationToken);

    Task<AttributeDefinition?> FindDefinitionBySlugAsync(Tenant tenant, string slug, CancellationToken cancellationToken);

    /// <summary>Pinned definitions first by pin_order, then the rest newest first.</summary>
    Task<(IReadOnlyList<AttributeDefinition> Items, long Total)> ListDefinitionsAsync(Tenant tenant, DefinitionFilter filter,
        int skip, int take, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces a definition if its stored version is still <paramref name="expectedVersion"/>; false when another write
    /// won. Throws <see cref="DuplicateSlugException"/> when a new slug is taken.
    /// </summary>
    Task<bool> ReplaceDefinitionAsync(AttributeDefinition definition, int expectedVersion, CancellationToken cancellationToken);

    /// <summary>Deletes the definition's values, then the definition; false when there was no such definition.</summary>
    Task<bool> DeleteDefinitionAsync(Tenant tenant, string id, CancellationToken cancellationToken);

    /// <summary>True when any user (hidden or not) has a value of the definition.</summary>
    Task<bool> HasValuesAsync(Tenant tenant, string definitionId, CancellationToken cancellationToken);

    /// <summary>
    /// Creates or replaces the values (one per definition and user; an existing value keeps its id and created_at) in
    /// one all-or-nothing write where the store can (SQLite: a transaction; MongoDB: one ordered bulk write, idempotent
    /// on retry). Returns the values as stored.
    /// </summary>
    Task<IReadOnlyList<UserAttribute>> UpsertValuesAsync(Tenant tenant, IReadOnlyList<UserAttribute> values,
        CancellationToken cancellationToken);

    Task<UserAttribute?> FindValueAsync(Tenant tenant, string definitionId, string userId, CancellationToken cancellationToken);

    Task<UserAttribute?> FindValueByIdAsync(Tenant tenant, string id, CancellationToken cancellationToken);

    /// <summary>The user's values (hidden ones too: callers check the user), oldest first.</summary>
    Task<(IReadOnlyList<UserAttribute> Items, long Total)> ListValuesOfUserAsync(Tenant tenant, string userId, int skip, int take,
        CancellationToken cancellationToken);

    /// <summary>The values of these users (only of <paramref name="definitionIds"/> when given).</summary>
    Task<IReadOnlyList<UserAttribute>> FindValuesOfUsersAsync(Tenant tenant, IReadOnlyCollection<string> userIds,
        IReadOnlyCollection<string>? definitionIds, CancellationToken cancellationToken);

    /// <summary>Deletes the user's values of these definitions (all of them when null); returns how many.</summary>
    Task<long> DeleteValuesAsync(Tenant tenant, string userId, IReadOnlyCollection<string>? definitionIds,
        CancellationToken cancellationToken);

    /// <summary>Hides (user deleted, restorable) or shows again (user restored) every value of the user.</summary>
    Task SetHiddenAsync(Tenant tenant, string userId, bool hidden, CancellationToken cancellationToken);

    /// <summary>
    /// Ids of the users whose visible values match the filter, ascending, one page, and how many match in all. Every
    /// condition runs on the (application, company, definition, term) indexes.
    /// </summary>
    Task<(IReadOnlyList<string> UserIds, long Total)> FindUserIdsAsync(Tenant tenant, StoreFilter filter, int skip, int take,
        CancellationToken cancellationToken);

    /// <summary>Encrypted values of the tenant not under <paramref name="keyId"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<UserAttribute>> FindEncryptedNotUnderKeyAsync(Tenant tenant, string keyId, int limit,
        CancellationToken cancellationToken);

    /// <summary>Replaces a value's cipher if it is still under <paramref name="oldKeyId"/>; false otherwise.</summary>
    Task<bool> ReplaceCipherAsync(Tenant tenant, string id, string oldKeyId, string cipher, string keyId,
        CancellationToken cancellationToken);
}

/// <summary>A write lost to the unique slug of an application.</summary>
internal sealed class DuplicateSlugException() : Exception("The slug is taken in this application.");
