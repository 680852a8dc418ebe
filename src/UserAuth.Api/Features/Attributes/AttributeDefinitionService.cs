using System.Text.Json;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Attributes;

/// <summary>Definitions: unique slugs, consistent validations, the locked and immutable-once-used rules.</summary>
internal sealed class AttributeDefinitionService(IAttributeStore store, Identifiers identifiers, TimeProvider clock,
    ILogger<AttributeDefinitionService> logger)
{
    private const int MaxWriteAttempts = 8;

    public async Task<AttributeDefinition> CreateAsync(Tenant tenant, CreateUserAttributeDefinition body, string actor,
        CancellationToken cancellationToken)
    {
        var now = clock.UtcNowMs();
        var definition = new AttributeDefinition
        {
            Id = Ids.New(),
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            Name = body.Name!.Trim(),
            Slug = body.Slug!,
            Description = body.Description,
            Type = body.Type!,
            MultiValue = body.Multi ?? false,
            CustomerEditable = body.CustomerEditable ?? false,
            Encrypted = body.Encrypted ?? false,
            Pinned = body.Pinned ?? false,
            PinOrder = body.PinOrder,
            DefaultValue = body.DefaultValue,
            IsLocked = body.IsLocked ?? false,
            CreatedBy = actor,
            UpdatedBy = actor,
            CreatedAt = now,
            ModifiedAt = now,
        };
        ApplyValidations(definition, body.Validations ?? []);
        CheckDefaultValue(definition);

        if (await store.FindDefinitionBySlugAsync(tenant, definition.Slug, cancellationToken) is not null)
        {
            throw SlugTaken();
        }

        try
        {
            await store.InsertDefinitionAsync(definition, cancellationToken);
        }
        catch (DuplicateSlugException)
        {
            throw SlugTaken();
        }

        logger.LogInformation("Created attribute definition {DefinitionId} ({Type}) in application {ApplicationId}",
            definition.Id, definition.Type, tenant.ApplicationId);
        return definition;
    }

    public async Task<AttributeDefinition> GetAsync(Tenant tenant, string id, CancellationToken cancellationToken)
    {
        var definitionId = Ids.IsValid(id) ? id.ToLowerInvariant() : throw DefinitionNotFound();
        return await store.FindDefinitionAsync(tenant, definitionId, cancellationToken) ?? throw DefinitionNotFound();
    }

    /// <summary>Every definition of the application, ordered by slug (bulk files have one column per definition in this order).</summary>
    public async Task<IReadOnlyList<AttributeDefinition>> ListAllAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        const int page = 200;
        var all = new List<AttributeDefinition>();
        while (true)
        {
            var (items, total) = await store.ListDefinitionsAsync(tenant, new DefinitionFilter(), all.Count, page, cancellationToken);
            all.AddRange(items);
            if (items.Count < page || all.Count >= total)
            {
                return all.DistinctBy(d => d.Id).OrderBy(d => d.Slug, StringComparer.Ordinal).ToList();
            }
        }
    }

    public Task<AttributeDefinition?> FindBySlugAsync(Tenant tenant, string slug, CancellationToken cancellationToken) =>
        store.FindDefinitionBySlugAsync(tenant, slug, cancellationToken);

    public async Task<(IReadOnlyList<AttributeDefinition> Items, long Total)> ListAsync(Tenant tenant, UserAttributeDefinitionQuery query,
        PageRequest page, CancellationToken cancellationToken)
    {
        var filter = new DefinitionFilter
        {
            ExcludingIds = query.ExcludedIds(),
            Slug = string.IsNullOrEmpty(query.Slug) ? null : query.Slug,
            Type = string.IsNullOrEmpty(query.Type) ? null : query.Type,
            CustomerEditable = query.CustomerEditable,
            Encrypted = query.Encrypted,
            Pinned = query.Pinned,
            PinOrder = query.PinOrder,
            IsLocked = query.IsLocked,
            Name = string.IsNullOrWhiteSpace(query.Name) ? null : query.Name.Trim(),
        };
        return await store.ListDefinitionsAsync(tenant, filter, page.Skip, page.PageSize, cancellationToken);
    }

    /// <summary>
    /// Changes the sent fields. A locked definition only accepts being unlocked (409 otherwise). Slug, type,
    /// multi_value and encrypted cannot change once a user has a value (409 saying why).
    /// </summary>
    public Task<AttributeDefinition> UpdateAsync(Tenant tenant, string id, UpdateUserAttributeDefinition body, string actor,
        CancellationToken cancellationToken) =>
        UpdateAsync(tenant, id, body, actor, null, cancellationToken);

    /// <summary>As above; with <paramref name="ifMatch"/>, only while the version is one the caller read (else 412).</summary>
    public async Task<AttributeDefinition> UpdateAsync(Tenant tenant, string id, UpdateUserAttributeDefinition body, string actor,
        IfMatch? ifMatch, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var definition = await GetAsync(tenant, id, cancellationToken);
            var expected = definition.Version;
            ifMatch?.Check(expected, "attribute definition");
            if (definition.IsLocked && !OnlyUnlocks(body))
            {
                throw new ConflictException("The attribute definition is locked: unlock it (is_locked: false) before changing it.",
                    "definition_locked");
            }

            var immutable = new List<string>();
            if (body.Slug is not null && body.Slug != definition.Slug)
            {
                immutable.Add("slug");
            }

            if (body.Type is not null && body.Type != definition.Type)
            {
                immutable.Add("type");
            }

            if (body.Multi is { } multi && multi != definition.MultiValue)
            {
                immutable.Add("multi_value");
            }

            if (body.Encrypted is { } encrypted && encrypted != definition.Encrypted)
            {
                immutable.Add("encrypted");
            }

            if (immutable.Count > 0 && await store.HasValuesAsync(tenant, definition.Id, cancellationToken))
            {
                throw new ConflictException(
                    $"Users already have values of this attribute: {string.Join(", ", immutable)} can no longer change.",
                    "definition_in_use", immutable.Select(f => new FieldError(f, "cannot change once values exist")).ToList());
            }

            using var changes = ChangedFields.Track(definition, ("multi_value", "is_multi_value"));
            definition.Name = body.Name?.Trim() ?? definition.Name;
            definition.Slug = body.Slug ?? definition.Slug;
            definition.Description = body.Description ?? definition.Description;
            var typeChanged = body.Type is not null && body.Type != definition.Type;
            definition.Type = body.Type ?? definition.Type;
            definition.MultiValue = body.Multi ?? definition.MultiValue;
            definition.CustomerEditable = body.CustomerEditable ?? definition.CustomerEditable;
            definition.Encrypted = body.Encrypted ?? definition.Encrypted;
            definition.Pinned = body.Pinned ?? definition.Pinned;
            definition.PinOrder = body.PinOrder ?? definition.PinOrder;
            definition.DefaultValue = body.DefaultValue ?? definition.DefaultValue;
            definition.IsLocked = body.IsLocked ?? definition.IsLocked;
            if (body.Validations is not null)
            {
                ApplyValidations(definition, body.Validations);
            }
            else if (typeChanged)
            {
                // The kept validations must still fit the new type.
                ApplyValidations(definition, definition.Validations.Select(v => new UserAttributeDefinitionValidation
                {
                    Type = v.Type,
                    Value = JsonDocument.Parse(v.Value).RootElement.Clone(),
                }).ToList());
            }

            CheckDefaultValue(definition);
            definition.UpdatedBy = actor;
            definition.ModifiedAt = clock.UtcNowMs();
            definition.Version = expected + 1;
            try
            {
                if (await store.ReplaceDefinitionAsync(definition, expected, cancellationToken))
                {
                    return definition;
                }
            }
            catch (DuplicateSlugException)
            {
                throw SlugTaken();
            }

            await Task.Delay(Random.Shared.Next(1, 5 * (attempt + 1)), cancellationToken);
        }

        throw new ConflictException("The attribute definition is being changed by other requests; try again.", "concurrent_update");
    }

    /// <summary>Deletes the definition and every value of it. A locked definition answers 409.</summary>
    public async Task DeleteAsync(Tenant tenant, string id, CancellationToken cancellationToken)
    {
        var definition = await GetAsync(tenant, id, cancellationToken);
        if (definition.IsLocked)
        {
            throw new ConflictException("The attribute definition is locked and cannot be deleted.", "definition_locked");
        }

        if (!await store.DeleteDefinitionAsync(tenant, definition.Id, cancellationToken))
        {
            throw DefinitionNotFound();
        }

        logger.LogInformation("Deleted attribute definition {DefinitionId} and its values in application {ApplicationId}",
            definition.Id, tenant.ApplicationId);
    }

    private static bool OnlyUnlocks(UpdateUserAttributeDefinition body) =>
        body.IsLocked == false && body with { IsLocked = null } == new UpdateUserAttributeDefinition();

    private static void ApplyValidations(AttributeDefinition definition, IReadOnlyList<UserAttributeDefinitionValidation> validations)
    {
        var errors = AttributeRules.CheckDefinition(definition.Type, validations.Select(v => (v.Type, v.Value)).ToList(), out var canonical);
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }

        definition.Validations = canonical;
    }

    /// <summary><c>default_value</c> is text (the client's model); it must read as a valid value of the definition.</summary>
    private void CheckDefaultValue(AttributeDefinition definition)
    {
        if (definition.DefaultValue is null)
        {
            return;
        }

        JsonElement value;
        if (definition.Type is AttributeTypes.Number or AttributeTypes.Boolean or AttributeTypes.Json || definition.MultiValue)
        {
            try
            {
                value = JsonDocument.Parse(definition.DefaultValue).RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new ValidationFailedException("default_value", $"must be the JSON text of a {definition.Type} value");
            }
        }
        else
        {
            value = JsonSerializer.SerializeToElement(definition.DefaultValue);
        }

        AttributeRules.Normalize(definition, value, identifiers, "default_value");
    }

    private static ConflictException SlugTaken() =>
        new("An attribute definition with this slug already exists in this application.", "duplicate_slug",
            [new FieldError("slug", "is taken in this application")]);

    public static NotFoundException DefinitionNotFound() => new("Attribute definition not found.", "attribute_definition_not_found");
}
