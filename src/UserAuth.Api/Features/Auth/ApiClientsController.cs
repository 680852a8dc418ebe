using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Auth;

/// <summary>
/// The company's API clients, for its operators: a token with the scope client:admin (never granted by default; a
/// bootstrap client in configuration can hold it). Not part of the reference API.
/// </summary>
[Route(Routes.Company + "/clients")]
[Tags("API clients")]
[Authorize(Policy = Scopes.ClientAdmin)]
[ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
internal sealed class ApiClientsController(ApiClientAdminService clients) : PlatformController
{
    private ApiClientCaller Caller => new(
        User.FindFirst(TokenClaims.ClientId)?.Value ?? "",
        (string)RouteData.Values["company_id"]!,
        User.FindAll(TokenClaims.ApplicationId).Select(c => c.Value).ToList(),
        (User.FindFirst(TokenClaims.Scope)?.Value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// Create a client. Its secret is in this answer and nowhere else (only a hash is stored): keep it. The client
    /// reaches at most what the calling token reaches.
    /// </summary>
    [HttpPost]
    [EndpointName("createApiClient")]
    [ProducesResponseType(typeof(ApiClientSecretSchema), StatusCodes.Status201Created)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<IActionResult> Create([FromBody] CreateApiClientRequest body, CancellationToken cancellationToken)
    {
        var created = await clients.CreateAsync(Caller,
            new NewApiClient(body.ClientId, body.Description, body.ApplicationIds, body.Scopes, body.RequestsPerSecond),
            cancellationToken);
        return StatusCode(StatusCodes.Status201Created, ApiClientSecretSchema.From(created));
    }

    /// <summary>The company's clients by client id, a page at a time (never their secrets).</summary>
    [HttpGet]
    [EndpointName("getApiClients")]
    [ProducesResponseType(typeof(ApiClientListSchema), StatusCodes.Status200OK)]
    public async Task<ApiClientListSchema> List([FromQuery] ApiClientsQuery query, CancellationToken cancellationToken)
    {
        var page = query.Page();
        var (items, total) = await clients.ListAsync(Caller, page, cancellationToken);
        return new ApiClientListSchema(items.Select(ApiClientSchema.From).ToList(), PageInfo.For(page, total));
    }

    /// <summary>One client of the company.</summary>
    [HttpGet("{client_id}")]
    [EndpointName("getApiClient")]
    [ProducesResponseType(typeof(ApiClientSchema), StatusCodes.Status200OK)]
    public async Task<ApiClientSchema> Get(ApiClientRoute route, CancellationToken cancellationToken) =>
        ApiClientSchema.From(await clients.GetAsync(Caller, route.ClientId!, cancellationToken));

    /// <summary>
    /// Change a client's applications, scopes, limit or description (absent fields stay). A change of applications or
    /// scopes ends the tokens it holds (on every instance within Auth:ClientCheckMilliseconds) and any rotation's grace.
    /// </summary>
    [HttpPut("{client_id}")]
    [EndpointName("updateApiClient")]
    [ProducesResponseType(typeof(ApiClientSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<ApiClientSchema> Update(ApiClientRoute route, [FromBody] UpdateApiClientRequest body,
        CancellationToken cancellationToken) =>
        ApiClientSchema.From(await clients.UpdateAsync(Caller, route.ClientId!,
            new ApiClientChange(body.Description, body.ApplicationIds, body.Scopes, body.RequestsPerSecond), cancellationToken));

    /// <summary>
    /// Give the client a new secret (in this answer only). The old secret, and the tokens issued before, keep working
    /// for grace_seconds (default Auth:RotationGraceSeconds); then they are refused.
    /// </summary>
    [HttpPost("{client_id}/secret")]
    [EndpointName("rotateApiClientSecret")]
    [ProducesResponseType(typeof(ApiClientSecretSchema), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status409Conflict)]
    public async Task<ApiClientSecretSchema> Rotate(ApiClientRoute route,
        [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] RotateApiClientSecretRequest? body,
        CancellationToken cancellationToken) =>
        ApiClientSecretSchema.From(await clients.RotateAsync(Caller, route.ClientId!, body?.GraceSeconds, cancellationToken));

    /// <summary>
    /// Disable the client: it gets no more tokens, and the ones it holds are refused on every instance within
    /// Auth:ClientCheckMilliseconds.
    /// </summary>
    [HttpPost("{client_id}/disable")]
    [EndpointName("disableApiClient")]
    [ProducesResponseType(typeof(ApiClientSchema), StatusCodes.Status200OK)]
    public async Task<ApiClientSchema> Disable(ApiClientRoute route, CancellationToken cancellationToken) =>
        ApiClientSchema.From(await clients.SetDisabledAsync(Caller, route.ClientId!, true, cancellationToken));

    /// <summary>Enable a disabled client again; the tokens it held before stay refused (it asks for new ones).</summary>
    [HttpPost("{client_id}/enable")]
    [EndpointName("enableApiClient")]
    [ProducesResponseType(typeof(ApiClientSchema), StatusCodes.Status200OK)]
    public async Task<ApiClientSchema> Enable(ApiClientRoute route, CancellationToken cancellationToken) =>
        ApiClientSchema.From(await clients.SetDisabledAsync(Caller, route.ClientId!, false, cancellationToken));
}
