using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Auth;

/// <summary>A new API client: what it may reach. Its secret is generated and shown once, in the answer.</summary>
internal sealed record CreateApiClientRequest
{
    /// <summary>3 to 64 letters, digits, '.', '_' or '-', unique across companies; generated when absent.</summary>
    public string? ClientId { get; init; }

    /// <summary>What the client is for (shown in listings); at most 200 characters.</summary>
    public string? Description { get; init; }

    /// <summary>The applications its tokens reach (24-hex-digit ids); empty or absent: every application of the company.</summary>
    public List<string>? ApplicationIds { get; init; }

    /// <summary>Among user:read, user:write, client:admin, and within the caller's own; absent: user:read user:write.</summary>
    public List<string>? Scopes { get; init; }

    /// <summary>Its own limit, per instance (1 to 1000000); absent: the service's default.</summary>
    public int? RequestsPerSecond { get; init; }
}

/// <summary>A change of a client's reach or limit; absent fields stay. A change of applications or scopes ends its tokens.</summary>
internal sealed record UpdateApiClientRequest
{
    public string? Description { get; init; }

    /// <summary>Empty: every application of the company.</summary>
    public List<string>? ApplicationIds { get; init; }

    public List<string>? Scopes { get; init; }

    /// <summary>1 to 1000000; 0 returns the client to the service's default.</summary>
    public int? RequestsPerSecond { get; init; }
}

/// <summary>A secret rotation: the new secret is shown once; the old one keeps working for the grace period.</summary>
internal sealed record RotateApiClientSecretRequest
{
    /// <summary>How long the old secret and the tokens it got stay valid (0 to 604800 s); absent: Auth:RotationGraceSeconds.</summary>
    public int? GraceSeconds { get; init; }
}

/// <summary>The <c>client_id</c> of a path.</summary>
internal sealed record ApiClientRoute
{
    [FromRoute(Name = "client_id")]
    public string? ClientId { get; init; }
}

internal sealed record ApiClientsQuery : PagedQuery;

/// <summary>An API client as its company's operators see it (never its secret).</summary>
internal sealed record ApiClientSchema(
    string ClientId,
    string CompanyId,
    string Description,
    IReadOnlyList<string> ApplicationIds,
    IReadOnlyList<string> Scopes,
    bool Disabled,
    long Generation,
    int? RequestsPerSecond,
    DateTime? PreviousSecretValidUntil,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    public static ApiClientSchema From(ApiClient client) => new(
        client.ClientId, client.CompanyId, client.Description, client.ApplicationIds, client.Scopes, client.Disabled,
        client.Generation, client.RequestsPerSecond, client.PreviousSecretValidUntil, client.CreatedAt, client.UpdatedAt);
}

/// <summary>A client with its new secret: the only time the secret is ever shown (only its hash is stored).</summary>
internal sealed record ApiClientSecretSchema(ApiClientSchema Client, string ClientSecret)
{
    public static ApiClientSecretSchema From(ApiClientWithSecret created) =>
        new(ApiClientSchema.From(created.Client), created.Secret);
}

internal sealed record ApiClientListSchema(IReadOnlyList<ApiClientSchema> Items, PageInfo Page);
