using System.Text.Json;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Attributes;

/// <summary>
/// Values of user attributes: typed and validated against their definition, owned by a live user of the same
/// application, encrypted at rest for encrypted definitions (with keyed hashes for equality search).
/// </summary>
internal sealed class UserAttributeService(
    IAttributeStore store,
    IUserStore users,
    IUserAttributeQuery query,
    AttributeCipher cipher,
    Identifiers identifiers,
    TimeProvider clock,
    ILogger<UserAttributeService> logger)
{
    public const int ReencryptBatch = 500;

    /// <summary>updateUserAttribute: creates or replaces the user's value of the definition.</summary>
    public async Task<UserAttributeValue> SetAsync(Tenant tenant, string definitionId, string userId, JsonElement value,
        bool? customerOverridden, string actor, CancellationToken cancellationToken)
    {
        var definition = await DefinitionAsync(tenant, definitionId, cancellationToken);
        var written = await SetManyAsync(tenant, userId, [(definition.Id, value)], actor, cancellationToken, customerOverridden,
            valueField: "attribute.value");
        return written[0];
    }

    /// <summary>
    /// updateUserAttributes: several values of one user, all or nothing: every value is checked before anything is
    /// written, and one bad value writes none. Definitions are given by id.
    /// </summary>
    public async Task<IReadOnlyList<UserAttributeValue>> SetManyAsync(Tenant tenant, string userId,
        IReadOnlyList<(string DefinitionId, JsonElement Value)> values, string actor, CancellationToken cancellationToken,
        bool? customerOverridden = null, string valueField = "attributes")
    {
        var user = await WritableUserAsync(tenant, userId, cancellationToken);
        var ids = values.Select(v => v.DefinitionId.ToLowerInvariant()).Distinct().ToList();
        var definitions = (await store.FindDefinitionsAsync(tenant, ids, cancellationToken)).ToDictionary(d => d.Id);
        var errors = new List<FieldError>();
        var prepared = new List<(UserAttribute Stored, AttributeDefinition Definition, JsonElement Plain)>();
        var now = clock.UtcNowMs();
        for (var i = 0; i < values.Count; i++)
        {
            var field = values.Count == 1 && valueField != "attributes" ? valueField : $"attributes[{i}].value";
            if (!definitions.TryGetValue(values[i].DefinitionId.ToLowerInvariant(), out var definition))
            {
                if (values.Count == 1 && valueField != "attributes")
                {
                    throw AttributeDefinitionService.DefinitionNotFound();
                }

                errors.Add(new FieldError($"attributes[{i}].definition_id", "is not an attribute definition of this application"));
                continue;
            }

            try
            {
                var normalized = AttributeRules.Normalize(definition, values[i].Value, identifiers, field);
                prepared.Add((Build(tenant, definition, user.Id, normalized, customerOverridden ?? false, actor, now), definition,
                    JsonDocument.Parse(normalized.Json).RootElement.Clone()));
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

        var before = await store.FindValuesOfUsersAsync(tenant, [user.Id], [.. definitions.Keys], cancellationToken);
        var stored = await store.UpsertValuesAsync(tenant, prepared.Select(p => p.Stored).ToList(), cancellationToken);
        logger.LogInformation("Wrote {Count} attribute values of user {UserId} in application {ApplicationId}",
            stored.Count, user.Id, tenant.ApplicationId);
        var written = stored.Select((s, i) => new UserAttributeValue(s, prepared[i].Definition, prepared[i].Plain)).ToList();
        ChangedFields.Compare(WrittenValues.Of(before.Select(v => Read(v, definitions[v.DefinitionId]))), WrittenValues.Of(written),
            ("attributes", "attribute"), ("customer_overridden", "customer_overriden"));
        return written;
    }

    /// <summary>
    /// A value for a bulk import, checked exactly like updateUserAttribute's (the same <see cref="AttributeRules.Normalize"/>)
    /// and built for <paramref name="userId"/> (encrypted where the definition asks) without touching the store: the
    /// import writes the user first, then its values with <see cref="WriteImportedAsync"/>. Throws a 400 naming
    /// <paramref name="field"/>.
    /// </summary>
    public UserAttribute PrepareImported(Tenant tenant, AttributeDefinition definition, string userId, JsonElement value, string actor,
        DateTime now, string field) =>
        Build(tenant, definition, userId, AttributeRules.Normalize(definition, value, identifiers, field), false, actor, now);

    /// <summary>
    /// Writes values made by <see cref="PrepareImported"/> for users the caller has just written, in one write. Writing
    /// the same values again (a batch applied twice after a crash) leaves one value per user and definition.
    /// </summary>
    public async Task WriteImportedAsync(Tenant tenant, IReadOnlyList<UserAttribute> values, CancellationToken cancellationToken)
    {
        if (values.Count > 0)
        {
            await store.UpsertValuesAsync(tenant, values, cancellationToken);
        }
    }

    public async Task<UserAttributeValue> GetAsync(Tenant tenant, string definitionId, string userId, CancellationToken cancellationToken)
    {
        var definition = await DefinitionAsync(tenant, definitionId, cancellationToken);
        var user = await LiveUserAsync(tenant, userId, cancellationToken);
        var stored = await store.FindValueAsync(tenant, definition.Id, user.Id, cancellationToken) ?? throw ValueNotFound();
        return Read(stored, definition);
    }

    public async Task<UserAttributeValue> GetByIdAsync(Tenant tenant, string id, CancellationToken cancellationToken)
    {
        var stored = (Ids.IsValid(id) ? await store.FindValueByIdAsync(tenant, id.ToLowerInvariant(), cancellationToken) : null)
                     ?? throw ValueNotFound();
        var definition = await store.FindDefinitionAsync(tenant, stored.DefinitionId, cancellationToken) ?? throw ValueNotFound();
        var user = await users.FindByIdAsync(tenant, stored.UserId, cancellationToken);
        return user is { State: UserState.Live } ? Read(stored, definition) : throw ValueNotFound();
    }

    public async Task<(IReadOnlyList<UserAttributeValue> Items, long Total)> ListOfUserAsync(Tenant tenant, string userId, PageRequest page,
        CancellationToken cancellationToken)
    {
        var user = await LiveUserAsync(tenant, userId, cancellationToken);
        var (items, total) = await store.ListValuesOfUserAsync(tenant, user.Id, page.Skip, page.PageSize, cancellationToken);
        var definitions = (await store.FindDefinitionsAsync(tenant, items.Select(i => i.DefinitionId).Distinct().ToList(), cancellationToken))
            .ToDictionary(d => d.Id);
        return (items.Where(i => definitions.ContainsKey(i.DefinitionId)).Select(i => Read(i, definitions[i.DefinitionId])).ToList(), total);
    }

    /// <summary>The visible values of these users (only of <paramref name="definitionIds"/> when given), decrypted, by user.</summary>
    public async Task<IReadOnlyDictionary<string, List<UserAttributeValue>>> ValuesOfUsersAsync(Tenant tenant,
        IReadOnlyCollection<string> userIds, IReadOnlyCollection<string>? definitionIds, CancellationToken cancellationToken)
    {
        var values = await store.FindValuesOfUsersAsync(tenant, userIds, definitionIds, cancellationToken);
        var definitions = (await store.FindDefinitionsAsync(tenant, values.Select(v => v.DefinitionId).Distinct().ToList(), cancellationToken))
            .ToDictionary(d => d.Id);
        return values.Where(v => !v.Hidden && definitions.ContainsKey(v.DefinitionId))
            .GroupBy(v => v.UserId)
            .ToDictionary(g => g.Key, g => g.Select(v => Read(v, definitions[v.DefinitionId])).ToList());
    }

    public async Task DeleteAsync(Tenant tenant, string definitionId, string userId, CancellationToken cancellationToken)
    {
        var definition = await DefinitionAsync(tenant, definitionId, cancellationToken);
        var user = await LiveUserAsync(tenant, userId, cancellationToken);
        // Found first, so a 404 writes nothing (the audit record written ahead rides with the first write).
        if (await store.FindValueAsync(tenant, definition.Id, user.Id, cancellationToken) is null ||
            await store.DeleteValuesAsync(tenant, user.Id, [definition.Id], cancellationToken) == 0)
        {
            throw ValueNotFound();
        }
    }

    /// <summary>deleteUserAttributesInBulk: the user's values of these definitions (those it has); answers how many.</summary>
    public async Task<long> DeleteManyAsync(Tenant tenant, string userId, IReadOnlyList<string> definitionIds,
        CancellationToken cancellationToken)
    {
        var user = await LiveUserAsync(tenant, userId, cancellationToken);
        var ids = definitionIds.Select(d => d.ToLowerInvariant()).Distinct().ToList();
        var known = (await store.FindDefinitionsAsync(tenant, ids, cancellationToken)).Select(d => d.Id).ToHashSet();
        var unknown = ids.Where(id => !known.Contains(id)).ToList();
        if (unknown.Count > 0)
        {
            throw new NotFoundException("No such attribute definition in this application.", "attribute_definition_not_found",
                unknown.Select(id => new FieldError("definition_ids", $"{id} is not an attribute definition of this application")).ToList());
        }

        return await store.DeleteValuesAsync(tenant, user.Id, ids, cancellationToken);
    }

    /// <summary>filterUsersByAttributes: live users matching the conditions, one page, each with its (selected) attributes.</summary>
    public async Task<(IReadOnlyList<(User User, List<UserAttributeValue> Attributes)> Items, long Total)> FilterAsync(Tenant tenant,
        UsersByAttributes request, CancellationToken cancellationToken)
    {
        var compiled = await query.CompileAsync(tenant, request.MatchAll, request.Conditions, "query.conditions", cancellationToken);
        IReadOnlyCollection<string>? among = null;
        if (!string.IsNullOrWhiteSpace(request.Email) || !string.IsNullOrWhiteSpace(request.Phone))
        {
            among = await UsersByIdentifierAsync(tenant, request.Email, request.Phone, cancellationToken);
        }

        var page = request.Page;
        IReadOnlyList<string> ids;
        long total;
        if (compiled.Conditions.Count == 0)
        {
            ids = among!.Order(StringComparer.Ordinal).Skip(page.Skip).Take(page.PageSize).ToList();
            total = among!.Count;
        }
        else
        {
            (ids, total) = await query.FindUserIdsAsync(tenant, compiled, page.Skip, page.PageSize, among, cancellationToken);
        }

        var found = (await users.FindByIdsAsync(tenant, ids, cancellationToken)).Where(u => u.State == UserState.Live).ToDictionary(u => u.Id);
        var selected = request.DefinitionIds is { Count: > 0 } d ? d.Select(x => x.ToLowerInvariant()).ToList() : null;
        var attributes = await ValuesOfUsersAsync(tenant, found.Keys.ToList(), selected, cancellationToken);
        var items = ids.Where(found.ContainsKey)
            .Select(id => (found[id], attributes.TryGetValue(id, out var a) ? a : []))
            .ToList();
        return (items, total);
    }

    /// <summary>
    /// Re-encrypts up to <paramref name="limit"/> values of the tenant that are not under the active key; answers how many
    /// it re-encrypted and whether any remain. Safe to run concurrently and to repeat.
    /// </summary>
    public async Task<(long Reencrypted, long Remaining)> ReencryptAsync(Tenant tenant, int limit, CancellationToken cancellationToken)
    {
        var done = 0L;
        var stale = await store.FindEncryptedNotUnderKeyAsync(tenant, cipher.ActiveKeyId, limit, cancellationToken);
        foreach (var value in stale)
        {
            var plain = cipher.Decrypt(value);
            var (encrypted, keyId) = cipher.Encrypt(plain, value);
            if (await store.ReplaceCipherAsync(tenant, value.Id, value.KeyId!, encrypted, keyId, cancellationToken))
            {
                done++;
            }
        }

        var remaining = (await store.FindEncryptedNotUnderKeyAsync(tenant, cipher.ActiveKeyId, 1, cancellationToken)).Count;
        logger.LogInformation("Re-encrypted {Count} attribute values of application {ApplicationId} under key {KeyId}",
            done, tenant.ApplicationId, cipher.ActiveKeyId);
        return (done, remaining);
    }

    private async Task<IReadOnlyCollection<string>> UsersByIdentifierAsync(Tenant tenant, string? email, string? phone,
        CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        if (!string.IsNullOrWhiteSpace(email))
        {
            keys.Add(IdentityKeys.Email(Identifiers.NormalizeEmail(email)!));
        }

        if (!string.IsNullOrWhiteSpace(phone))
        {
            keys.Add(IdentityKeys.Phone(identifiers.ParsePhone(phone)!.E164));
        }

        var holders = await users.FindByKeysAsync(tenant, keys, 10, cancellationToken);
        // Both given: the user must hold both.
        return holders.Where(u => u.State == UserState.Live && keys.All(u.IdentityKeys.Contains)).Select(u => u.Id).ToHashSet();
    }

    private UserAttribute Build(Tenant tenant, AttributeDefinition definition, string userId, NormalizedValue value,
        bool customerOverridden, string actor, DateTime now)
    {
        var stored = new UserAttribute
        {
            Id = Ids.New(),
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            DefinitionId = definition.Id,
            UserId = userId,
            Type = definition.Type,
            CustomerOverridden = customerOverridden,
            UpdatedBy = actor,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (definition.Encrypted)
        {
            (stored.Cipher, stored.KeyId) = cipher.Encrypt(value.Json, stored);
            stored.HashTerms = value.Canonical.Select(c => cipher.Hash(tenant.ApplicationId, definition.Id, c)).ToList();
        }
        else
        {
            stored.Value = value.Json;
            stored.TextTerms = value.Text.ToList();
            stored.NumberTerms = value.Numbers.ToList();
        }

        return stored;
    }

    private UserAttributeValue Read(UserAttribute stored, AttributeDefinition definition)
    {
        var json = stored.Cipher is not null ? cipher.Decrypt(stored) : stored.Value ?? "null";
        return new UserAttributeValue(stored, definition, JsonDocument.Parse(json).RootElement.Clone());
    }

    private async Task<AttributeDefinition> DefinitionAsync(Tenant tenant, string definitionId, CancellationToken cancellationToken) =>
        (Ids.IsValid(definitionId) ? await store.FindDefinitionAsync(tenant, definitionId.ToLowerInvariant(), cancellationToken) : null)
        ?? throw AttributeDefinitionService.DefinitionNotFound();

    /// <summary>The user, who must be live to be given values: 404 unknown or erased, 409 archived or deleted.</summary>
    private async Task<User> WritableUserAsync(Tenant tenant, string userId, CancellationToken cancellationToken)
    {
        var user = (Ids.IsValid(userId) ? await users.FindByIdAsync(tenant, userId.ToLowerInvariant(), cancellationToken) : null)
                   ?? throw UserService.UserNotFound();
        return user.State switch
        {
            UserState.Live => user,
            UserState.Erased => throw UserService.UserNotFound(),
            _ => throw new ConflictException($"The user is {user.State.ToString().ToLowerInvariant()}: only live users have attributes.",
                "user_not_live"),
        };
    }

    /// <summary>The user, live: the values of users who are not live are hidden (404).</summary>
    private async Task<User> LiveUserAsync(Tenant tenant, string userId, CancellationToken cancellationToken)
    {
        var user = Ids.IsValid(userId) ? await users.FindByIdAsync(tenant, userId.ToLowerInvariant(), cancellationToken) : null;
        return user is { State: UserState.Live } ? user : throw UserService.UserNotFound();
    }

    private static NotFoundException ValueNotFound() => new("User attribute not found.", "user_attribute_not_found");
}
