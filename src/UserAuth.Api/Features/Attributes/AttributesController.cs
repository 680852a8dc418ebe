using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Features.Attributes;

[Tags("User attributes")]
internal sealed class AttributesController(AttributeDefinitionService definitions, UserAttributeService values) : PlatformController
{
    /// <summary>
    /// createUserAttributeDefinition: name, slug (unique per application, 409 when taken) and type (string, number,
    /// boolean, date, datetime, email, phone, url, enum, json) are required. Validations <c>[{type, value}]</c>: min/max
    /// (a length for text types, a value for number/date/datetime), regex (text types; no back-references or
    /// look-arounds), enum (allowed values; required for type enum). Validations that contradict the type or each other
    /// are a 400 naming the reason.
    /// </summary>
    [HttpPost("user_attribute/definition")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(UserAttributeDefinitionResponse), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<UserAttributeDefinitionResponse> CreateUserAttributeDefinition([FromBody] CreateUserAttributeDefinition body,
        CancellationToken cancellationToken)
    {
        var created = await definitions.CreateAsync(Tenant, body, Actor, cancellationToken);
        ETags.Set(Response, created.Version);
        return UserAttributeDefinitionResponse.From(created);
    }

    /// <summary>
    /// getUserAttributeDefinitions: filters by excluding_ids (comma-separated or repeated), slug, type,
    /// customer_editable, encrypted, pinned, pin_order, is_locked and name (case-insensitive contains). Pinned
    /// definitions come first, by pin_order; then the others, newest first.
    /// </summary>
    [HttpGet("user_attribute/definition")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(UserAttributeDefinitionList), StatusCodes.Status200OK)]
    public async Task<UserAttributeDefinitionList> GetUserAttributeDefinitions([FromQuery] UserAttributeDefinitionQuery query,
        CancellationToken cancellationToken)
    {
        var page = query.Page();
        var (items, total) = await definitions.ListAsync(Tenant, query, page, cancellationToken);
        return new UserAttributeDefinitionList(items.Select(UserAttributeDefinitionResponse.From).ToList(), PageInfo.For(page, total));
    }

    /// <summary>getUserAttributeDefinitionById. The <c>ETag</c> is the definition's <c>__v</c>.</summary>
    [HttpGet("user_attribute/definition/{attribute_def_id}")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(UserAttributeDefinitionResponse), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<UserAttributeDefinitionResponse> GetUserAttributeDefinitionById(
        [FromRoute(Name = "attribute_def_id")] string definitionId, CancellationToken cancellationToken)
    {
        var definition = await definitions.GetAsync(Tenant, definitionId, cancellationToken);
        ETags.Set(Response, definition.Version);
        return UserAttributeDefinitionResponse.From(definition);
    }

    /// <summary>
    /// updateUserAttributeDefinition: changes the sent fields. 409 when the definition is locked (send only
    /// <c>{"is_locked": false}</c> to unlock it), and when slug, type, multi_value or encrypted would change while users
    /// have values of it. With <c>If-Match</c> (an ETag as answered) the update applies only while the definition still
    /// has that version (412 <c>precondition_failed</c> otherwise, nothing changed).
    /// </summary>
    [HttpPut("user_attribute/definition/{attribute_def_id}")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(UserAttributeDefinitionResponse), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status412PreconditionFailed)]
    public async Task<UserAttributeDefinitionResponse> UpdateUserAttributeDefinition(
        [FromRoute(Name = "attribute_def_id")] string definitionId, [FromBody] UpdateUserAttributeDefinition body,
        [FromHeader(Name = IfMatch.HeaderName)] string? ifMatch, CancellationToken cancellationToken)
    {
        var updated = await definitions.UpdateAsync(Tenant, definitionId, body, Actor, IfMatch.Parse(ifMatch), cancellationToken);
        ETags.Set(Response, updated.Version);
        return UserAttributeDefinitionResponse.From(updated);
    }

    /// <summary>deleteUserAttributeDefinitionById: deletes the definition and every user's value of it. 409 when locked.</summary>
    [HttpDelete("user_attribute/definition/{attribute_def_id}")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(SuccessMessageResponse), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<SuccessMessageResponse> DeleteUserAttributeDefinitionById(
        [FromRoute(Name = "attribute_def_id")] string definitionId, CancellationToken cancellationToken)
    {
        await definitions.DeleteAsync(Tenant, definitionId, cancellationToken);
        return new SuccessMessageResponse("Attribute definition deleted.");
    }

    /// <summary>
    /// updateUserAttribute: creates or replaces the user's value, sent as <c>attribute: {"value": ...}</c> (a list for
    /// multi-value definitions), typed (a number is a JSON number; a date <c>2024-01-31</c>; a datetime ISO-8601 with a
    /// zone) and checked against the definition's validations. 404 unknown definition or user; 409 user not live.
    /// </summary>
    [HttpPut("user_attribute/definition/{attribute_def_id}/user/{user_id}")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(UserAttributeResponse), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<UserAttributeResponse> UpdateUserAttribute([FromRoute(Name = "attribute_def_id")] string definitionId,
        [FromRoute(Name = "user_id")] string userId, [FromBody] CreateUserAttributeRequest body, CancellationToken cancellationToken)
    {
        var value = body.Attribute.GetProperty("value");
        var written = await values.SetAsync(Tenant, definitionId, userId, value, body.CustomerOverridden ?? body.CustomerOverriden,
            Actor, cancellationToken);
        return UserAttributeResponse.From(written);
    }

    /// <summary>getUserAttribute: the user's value of the definition (decrypted). 404 when there is none.</summary>
    [HttpGet("user_attribute/definition/{attribute_def_id}/user/{user_id}")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(UserAttributeResponse), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<UserAttributeResponse> GetUserAttribute([FromRoute(Name = "attribute_def_id")] string definitionId,
        [FromRoute(Name = "user_id")] string userId, CancellationToken cancellationToken) =>
        UserAttributeResponse.From(await values.GetAsync(Tenant, definitionId, userId, cancellationToken));

    /// <summary>deleteUserAttribute: removes the user's value of the definition. 404 when there is none.</summary>
    [HttpDelete("user_attribute/definition/{attribute_def_id}/user/{user_id}")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(SuccessMessageResponse), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<SuccessMessageResponse> DeleteUserAttribute([FromRoute(Name = "attribute_def_id")] string definitionId,
        [FromRoute(Name = "user_id")] string userId, CancellationToken cancellationToken)
    {
        await values.DeleteAsync(Tenant, definitionId, userId, cancellationToken);
        return new SuccessMessageResponse("User attribute deleted.");
    }

    /// <summary>getUserAttributeById: a value by its own id.</summary>
    [HttpGet("user_attribute/attribute/{attribute_id}")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(UserAttributeResponse), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<UserAttributeResponse> GetUserAttributeById([FromRoute(Name = "attribute_id")] string attributeId,
        CancellationToken cancellationToken) =>
        UserAttributeResponse.From(await values.GetByIdAsync(Tenant, attributeId, cancellationToken));

    /// <summary>getUserAttributesForUser: the user's values, oldest first, paginated.</summary>
    [HttpGet("user_attribute/user/{user_id}")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(UserAttributeList), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<UserAttributeList> GetUserAttributesForUser([FromRoute(Name = "user_id")] string userId,
        [FromQuery] UserAttributesQuery query, CancellationToken cancellationToken)
    {
        var page = query.Page();
        var (items, total) = await values.ListOfUserAsync(Tenant, userId, page, cancellationToken);
        return new UserAttributeList(items.Select(UserAttributeResponse.From).ToList(), PageInfo.For(page, total));
    }

    /// <summary>
    /// updateUserAttributes (client 3.4.2): several values of one user, all or nothing: one bad value is a 400 naming
    /// it, and nothing is written.
    /// </summary>
    [HttpPost("user_attribute/user/{user_id}")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(BulkUserAttribute), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<BulkUserAttribute> UpdateUserAttributes([FromRoute(Name = "user_id")] string userId,
        [FromBody] CreateBulkUserAttribute body, CancellationToken cancellationToken)
    {
        var written = await values.SetManyAsync(Tenant, userId, body.Attributes!.Select(a => (a.DefinitionId!, a.Value)).ToList(),
            Actor, cancellationToken);
        return new BulkUserAttribute(true, written.Select(UserAttributeResponse.From).ToList());
    }

    /// <summary>deleteUserAttributesInBulk (client 3.4.2): removes the user's values of the listed definitions.</summary>
    [HttpDelete("user_attribute/user/{user_id}")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(SuccessMessageResponse), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task<SuccessMessageResponse> DeleteUserAttributesInBulk([FromRoute(Name = "user_id")] string userId,
        [FromBody] DeleteBulkUserAttribute body, CancellationToken cancellationToken)
    {
        var count = await values.DeleteManyAsync(Tenant, userId, body.DefinitionIds!, cancellationToken);
        return new SuccessMessageResponse($"Deleted {count} user attributes.");
    }

    /// <summary>
    /// filterUsersByAttributes (client 3.4.2): live users whose values match all (<c>type: "and"</c>) or any
    /// (<c>"or"</c>) of the conditions <c>{definition_id, type: eq|ne|gt|lt|gte|lte|cnt|nct|is|nis|sw|ew|btw|in|nin,
    /// value}</c>, optionally only the user with this exact email / phone; <c>page</c> from 1, <c>limit</c> up to 100.
    /// An operator that does not fit the attribute's type is a 400; encrypted attributes take eq, ne, in and nin.
    /// Each item carries the user's attributes (only those of <c>definition_ids</c> when given).
    /// </summary>
    [HttpPost("user_attribute/users")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(UserAttributeFiltered), StatusCodes.Status200OK)]
    public async Task<UserAttributeFiltered> FilterUsersByAttributes([FromBody] UserAttributeFilter body,
        CancellationToken cancellationToken)
    {
        var query = body.Query!.ToQuery();
        var (items, total) = await values.FilterAsync(Tenant, query, cancellationToken);
        return new UserAttributeFiltered(items.Select(i => UserAttributeFilteredList.From(i.User, i.Attributes)).ToList(),
            PageInfo.For(query.Page, total));
    }

    /// <summary>
    /// reencryptUserAttributes (not in the reference): re-encrypts up to 500 encrypted values of the application that
    /// are not under the active key (Attributes:Encryption:ActiveKeyId). Repeat while <c>remaining</c> is not 0; safe
    /// to run while the service is in use.
    /// </summary>
    [HttpPost("user_attribute/encryption/reencrypt")]
    [EndpointName("reencryptUserAttributes")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(AttributeReencryptionResult), StatusCodes.Status200OK)]
    public async Task<AttributeReencryptionResult> ReencryptUserAttributes([FromServices] AttributeCipher cipher,
        CancellationToken cancellationToken)
    {
        var (done, remaining) = await values.ReencryptAsync(Tenant, UserAttributeService.ReencryptBatch, cancellationToken);
        return new AttributeReencryptionResult(cipher.ActiveKeyId, done, remaining);
    }
}
