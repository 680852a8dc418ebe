using System.Runtime.CompilerServices;
using System.Text.Json;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Attributes;

/// <summary>One condition as callers give it: a definition, an operator (<c>eq ne gt lt gte lte cnt nct is nis sw ew btw in
/// nin</c>) and its operand (a scalar, or a list for <c>in</c>/<c>nin</c>/<c>btw</c>).</summary>
internal sealed record AttributeCondition(string DefinitionId, string Operator, JsonElement Value);

/// <summary>
/// filterUsersByAttributes as the service takes it: live users matching all (<paramref name="MatchAll"/>) or any of the
/// conditions, only the holder of this email / phone when given (both: the user holding both), one page, each with its
/// values of <paramref name="DefinitionIds"/> (null: all).
/// </summary>
internal sealed record UsersByAttributes(bool MatchAll, IReadOnlyList<AttributeCondition> Conditions, string? Email, string? Phone,
    IReadOnlyList<string>? DefinitionIds, PageRequest Page);

/// <summary>Conditions checked against their definitions, ready to run. Build with <see cref="IUserAttributeQuery.CompileAsync"/>.</summary>
internal sealed record CompiledAttributeFilter(bool MatchAll, IReadOnlyList<StoreCondition> Conditions,
    IReadOnlyList<AttributeDefinition> Definitions)
{
    public StoreFilter ToStore(IReadOnlyCollection<string>? amongUserIds = null) => new(MatchAll, Conditions, amongUserIds);
}

/// <summary>
/// Users by attribute conditions: the one place that checks conditions (operator fits the type, operand fits the
/// value type, encrypted attributes only eq/ne/in/nin) and runs them on the store's indexes. Used by
/// filterUsersByAttributes, and meant for user groups built from conditions and for exports filtered by attributes.
/// Semantics: a positive operator matches a user one of whose values (of a multi-value attribute) matches; a negative
/// one (<c>ne nin nct nis</c>) matches a user who has a value of the definition and none of whose values match. Users
/// without a value of the definition never match its conditions. Only live users' values are searched.
/// </summary>
internal interface IUserAttributeQuery
{
    /// <summary>
    /// Checks the conditions; a 400 (<see cref="ValidationFailedException"/>) names <c>{fieldPrefix}[i].definition_id</c>,
    /// <c>.type</c> or <c>.value</c> and the reason. Definitions of another application are unknown here.
    /// </summary>
    Task<CompiledAttributeFilter> CompileAsync(Tenant tenant, bool matchAll, IReadOnlyList<AttributeCondition> conditions,
        string fieldPrefix, CancellationToken cancellationToken);

    /// <summary>One page of matching user ids (ascending) and the total; only among <paramref name="amongUserIds"/> when given.</summary>
    Task<(IReadOnlyList<string> UserIds, long Total)> FindUserIdsAsync(Tenant tenant, CompiledAttributeFilter filter, int skip,
        int take, IReadOnlyCollection<string>? amongUserIds, CancellationToken cancellationToken);

    /// <summary>Every matching user id, ascending, read page by page.</summary>
    IAsyncEnumerable<string> StreamUserIdsAsync(Tenant tenant, CompiledAttributeFilter filter, int pageSize,
        CancellationToken cancellationToken);

    /// <summary>True when the user matches.</summary>
    Task<bool> MatchesAsync(Tenant tenant, CompiledAttributeFilter filter, string userId, CancellationToken cancellationToken);
}

internal sealed class AttributeConditions(IAttributeStore store, AttributeCipher cipher, Identifiers identifiers) : IUserAttributeQuery
{
    public const int MaxConditions = 20;
    public const int MaxOperands = 100;

    public static readonly IReadOnlyList<string> Operators =
        ["eq", "ne", "gt", "lt", "gte", "lte", "cnt", "nct", "is", "nis", "sw", "ew", "btw", "in", "nin"];

    public async Task<CompiledAttributeFilter> CompileAsync(Tenant tenant, bool matchAll, IReadOnlyList<AttributeCondition> conditions,
        string fieldPrefix, CancellationToken cancellationToken)
    {
        if (conditions.Count > MaxConditions)
        {
            throw new ValidationFailedException(fieldPrefix, $"at most {MaxConditions} conditions");
        }

        var ids = conditions.Where(c => Ids.IsValid(c.DefinitionId)).Select(c => c.DefinitionId.ToLowerInvariant()).Distinct().ToList();
        var definitions = (await store.FindDefinitionsAsync(tenant, ids, cancellationToken)).ToDictionary(d => d.Id);
        var errors = new List<FieldError>();
        var compiled = new List<StoreCondition>();
        for (var i = 0; i < conditions.Count; i++)
        {
            var field = $"{fieldPrefix}[{i}]";
            var condition = conditions[i];
            if (!Ids.IsValid(condition.DefinitionId) || !definitions.TryGetValue(condition.DefinitionId.ToLowerInvariant(), out var definition))
            {
                errors.Add(new FieldError($"{field}.definition_id", "is not an attribute definition of this application"));
                continue;
            }

            try
            {
                compiled.Add(Compile(definition, condition.Operator, condition.Value, field));
            }
            catch (ValidationFailedException e)
            {
                errors.AddRange(e.Errors);
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }

        return new CompiledAttributeFilter(matchAll, compiled, definitions.Values.ToList());
    }

    public Task<(IReadOnlyList<string> UserIds, long Total)> FindUserIdsAsync(Tenant tenant, CompiledAttributeFilter filter, int skip,
        int take, IReadOnlyCollection<string>? amongUserIds, CancellationToken cancellationToken) =>
        store.FindUserIdsAsync(tenant, filter.ToStore(amongUserIds), skip, take, cancellationToken);

    public async IAsyncEnumerable<string> StreamUserIdsAsync(Tenant tenant, CompiledAttributeFilter filter, int pageSize,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var skip = 0;
        while (true)
        {
            var (ids, _) = await store.FindUserIdsAsync(tenant, filter.ToStore(), skip, pageSize, cancellationToken);
            foreach (var id in ids)
            {
                yield return id;
            }

            if (ids.Count < pageSize)
            {
                yield break;
            }

            skip += ids.Count;
        }
    }

    public async Task<bool> MatchesAsync(Tenant tenant, CompiledAttributeFilter filter, string userId, CancellationToken cancellationToken) =>
        (await store.FindUserIdsAsync(tenant, filter.ToStore([userId]), 0, 1, cancellationToken)).Total > 0;

    private StoreCondition Compile(AttributeDefinition definition, string? op, JsonElement value, string field)
    {
        var type = definition.Type;
        var what = $"attribute '{definition.Slug}' ({type}{(definition.Encrypted ? ", encrypted" : "")})";
        if (op is null || !Operators.Contains(op))
        {
            throw new ValidationFailedException($"{field}.type", $"must be one of {string.Join(" ", Operators)}");
        }

        var fits = definition.Encrypted
            ? op is "eq" or "ne" or "in" or "nin"
            : type switch
            {
                AttributeTypes.Json => false,
                AttributeTypes.Boolean => op is "eq" or "ne" or "in" or "nin",
                AttributeTypes.Number or AttributeTypes.Date or AttributeTypes.Datetime =>
                    op is "eq" or "ne" or "in" or "nin" or "gt" or "gte" or "lt" or "lte" or "btw",
                _ => op is "eq" or "ne" or "in" or "nin" or "is" or "nis" or "cnt" or "nct" or "sw" or "ew",
            };
        if (!fits)
        {
            throw new ValidationFailedException($"{field}.type", $"{op} does not apply to {what}");
        }

        var kind = definition.Encrypted ? TermKind.Hash : type == AttributeTypes.Number ? TermKind.Number : TermKind.Text;
        var negated = op is "ne" or "nin" or "nct" or "nis";
        var valueField = $"{field}.value";
        switch (op)
        {
            case "in" or "nin" or "btw":
                if (value.ValueKind != JsonValueKind.Array)
                {
                    throw new ValidationFailedException(valueField, op == "btw" ? "btw takes a list [from, to]" : $"{op} takes a list of values");
                }

                var items = value.EnumerateArray().ToList();
                if (op == "btw" && items.Count != 2)
                {
                    throw new ValidationFailedException(valueField, "btw takes exactly two values [from, to]");
                }

                if (items.Count is 0 or > MaxOperands)
                {
                    throw new ValidationFailedException(valueField, $"{op} takes 1 to {MaxOperands} values");
                }

                var operands = items.Select((x, i) => Operand(definition, x, $"{valueField}[{i}]")).ToList();
                if (op == "btw")
                {
                    var ordered = kind == TermKind.Number
                        ? double.Parse(operands[0], System.Globalization.CultureInfo.InvariantCulture)
                          <= double.Parse(operands[1], System.Globalization.CultureInfo.InvariantCulture)
                        : string.CompareOrdinal(operands[0], operands[1]) <= 0;
                    if (!ordered)
                    {
                        throw new ValidationFailedException(valueField, "btw takes [from, to] with from not after to");
                    }

                    return Build(definition, kind, TermMatch.Between, false, operands);
                }

                return Build(definition, kind, TermMatch.In, negated, operands.Distinct(StringComparer.Ordinal).ToList());
            case "cnt" or "nct" or "sw" or "ew":
                if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 and <= AttributeRules.MaxTextLength } text)
                {
                    throw new ValidationFailedException(valueField, $"{op} takes a non-empty string");
                }

                var match = op switch { "sw" => TermMatch.StartsWith, "ew" => TermMatch.EndsWith, _ => TermMatch.Contains };
                return Build(definition, kind, match, negated, [type == AttributeTypes.Email ? text.ToLowerInvariant() : text]);
            default:
                if (value.ValueKind == JsonValueKind.Array)
                {
                    throw new ValidationFailedException(valueField, $"{op} takes one value, not a list");
                }

                var operand = Operand(definition, value, valueField);
                var scalar = op switch
                {
                    "gt" => TermMatch.Gt,
                    "gte" => TermMatch.Gte,
                    "lt" => TermMatch.Lt,
                    "lte" => TermMatch.Lte,
                    _ => TermMatch.In,
                };
                return Build(definition, kind, scalar, negated, [operand]);
        }
    }

    /// <summary>The canonical text of an operand, checked like a value of the type (its validations aside).</summary>
    private string Operand(AttributeDefinition definition, JsonElement element, string field)
    {
        var shape = new AttributeDefinition { Slug = definition.Slug, Type = definition.Type };
        var reason = AttributeRules.CheckElement(shape, element, identifiers, out var canonical);
        return reason is null ? canonical! : throw new ValidationFailedException(field, $"attribute '{definition.Slug}': {reason}");
    }

    private StoreCondition Build(AttributeDefinition definition, TermKind kind, TermMatch match, bool negated, IReadOnlyList<string> operands) =>
        kind switch
        {
            TermKind.Number => new StoreCondition(definition.Id, kind, match, negated, [],
                operands.Select(o => double.Parse(o, System.Globalization.CultureInfo.InvariantCulture)).ToList()),
            TermKind.Hash => new StoreCondition(definition.Id, kind, match, negated,
                operands.Select(o => cipher.Hash(definition.ApplicationId, definition.Id, o)).ToList(), []),
            _ => new StoreCondition(definition.Id, kind, match, negated, operands, []),
        };
}
