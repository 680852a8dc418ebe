namespace UserAuth.Api.Features.Auth;

/// <summary>A machine client allowed to call the platform API of one company.</summary>
internal sealed class ApiClient
{
    public string Id { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>PBKDF2 hash of the client secret (<see cref="SecretHasher"/>); the secret itself is never stored.</summary>
    public string SecretHash { get; set; } = "";

    public string CompanyId { get; set; } = "";

    /// <summary>Empty: every application of the company.</summary>
    public List<string> ApplicationIds { get; set; } = [];

    public List<string> Scopes { get; set; } = [];

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>Storage port of the API clients.</summary>
internal interface IApiClientStore
{
    Task<ApiClient?> FindByClientIdAsync(string clientId, CancellationToken cancellationToken);

    /// <summary>Creates the client or replaces the one with the same client id.</summary>
    Task UpsertAsync(ApiClient client, CancellationToken cancellationToken);
}

public static class Scopes
{
    public const string Read = "user:read";
    public const string Write = "user:write";

    /// <summary>
    /// Read encrypted attribute values in clear in bulk exports (an export by a caller without it leaves their columns
    /// empty). Never granted by default: a client has it only when its configured <c>Scopes</c> name it.
    /// </summary>
    public const string DecryptAttributes = "user:attributes:decrypt";

    /// <summary>What a client with no configured scopes is granted.</summary>
    public static readonly IReadOnlyList<string> All = [Read, Write];
}

public static class TokenClaims
{
    public const string ClientId = "client_id";
    public const string CompanyId = "company_id";
    public const string ApplicationId = "application_id";
    public const string Scope = "scope";
}
