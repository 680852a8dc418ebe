using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Features.Customers;

[Tags("Customers")]
internal sealed class CustomersController(UserService users, Identifiers identifiers) : PlatformController
{
    /// <summary>createUser: create a customer (username and phone_number required).</summary>
    [HttpPost("customers")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(CreateUserResponseSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<CreateUserResponseSchema> CreateUser([FromBody] CreateUserRequestSchema body, CancellationToken cancellationToken)
    {
        var user = await users.CreateAsync(Tenant, body.ToCommand(identifiers), cancellationToken);
        ETags.Set(Response, user.Version);
        return new CreateUserResponseSchema(UserSchema.From(user));
    }

    /// <summary>
    /// updateUser: change the sent fields; sent emails / phone_numbers replace the old lists. The answer's <c>ETag</c> is
    /// the user's <c>__v</c> (<c>"3"</c>); with <c>If-Match</c> the update applies only while the user still has that
    /// version (412 <c>precondition_failed</c> otherwise, nothing changed).
    /// </summary>
    [HttpPut("customers/{user_id}")]
    [Authorize(Policy = Scopes.Write)]
    [ProducesResponseType(typeof(CreateUserResponseSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status412PreconditionFailed)]
    public async Task<CreateUserResponseSchema> UpdateUser([FromRoute(Name = "user_id")] string userId,
        [FromBody] UpdateUserRequestSchema body, [FromHeader(Name = IfMatch.HeaderName)] string? ifMatch,
        CancellationToken cancellationToken)
    {
        var user = await users.UpdateAsync(Tenant, userId, body.ToCommand(identifiers), IfMatch.Parse(ifMatch), cancellationToken);
        ETags.Set(Response, user.Version);
        return new CreateUserResponseSchema(UserSchema.From(user));
    }

    /// <summary>
    /// getCustomers: newest first; q matches an email or phone exactly, or a username / name prefix. A prefix matching
    /// more than 1,000 users is counted only up to that: <c>page.item_total</c> is then a lower bound and
    /// <c>page.item_total_bounded</c> is true (absent when the total is exact).
    /// </summary>
    [HttpGet("customers/list")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(CustomerListResponseSchema), StatusCodes.Status200OK)]
    public async Task<CustomerListResponseSchema> GetCustomers([FromQuery] GetCustomersQuery query, CancellationToken cancellationToken)
    {
        var page = query.Page();
        var found = await users.ListAsync(Tenant, query.Q, page, cancellationToken);
        return new CustomerListResponseSchema(found.Items.Select(UserSchema.From).ToList(),
            PageInfo.For(page, found.Total, found.TotalBounded, found.HasNext));
    }

    /// <summary>searchUsers: users holding an email or phone given in q or in the repeated query parameter.</summary>
    [HttpGet("customers/search")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(UserSearchResponseSchema), StatusCodes.Status200OK)]
    public async Task<UserSearchResponseSchema> SearchUsers([FromQuery] SearchUsersQuery search, CancellationToken cancellationToken)
    {
        // Not named "query": MVC would read a parameter named like one of the keys (query=...) as a prefix.
        var found = await users.SearchAsync(Tenant, search.Terms(), cancellationToken);
        return new UserSearchResponseSchema(found.Select(UserSchema.From).ToList());
    }
}
