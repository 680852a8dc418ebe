namespace UserAuth.Api.Features.Auth;

/// <summary>A machine client allowed to call the platform API of one company.</summary>
internal sealed class ApiClient
{
    public string Id { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>PBKDF2 hash of the client secret (<see cref="SecretHasher"/>); the secret itself is never stored.</summary>
    public string SecretHash { get; set; } = "";

    /// <summary>The secret before the last rotation, still accepted until <see cref="PreviousSecretValidUntil"/>.</summary>
    public string? PreviousSecretHash { get; set; }

    /// <summary>
    /// End of the last rotation's grace period: until then the previous secret still gets tokens, and tokens of the
    /// previous <see cref="Generation"/> are still accepted.
    /// </summary>
    public DateTime? PreviousSecretValidUntil { get; set; }

    public string CompanyId { get; set; } = "";

    /// <summary>Empty: every application of the company.</summary>
    public List<string> ApplicationIds { get; set; } = [];

    public List<string> Scopes { get; set; } = [];

    /// <summary>A disabled client gets no token, and the tokens it holds are refused.</summary>
    public bool Disabled { get; set; }

    /// <summary>
    /// Stamped into every token (<see cref="TokenClaims.Generation"/>); raised by whatever must end the tokens already
    /// issued (rotation, disabling, enabling, a change of applications or scopes). A token of an older generation is
    /// refused (<see cref="ClientGate"/>), except the previous one during a rotation's grace period. Starts at 0, which
    /// is also what a token without the claim (issued before generations existed) carries.
    /// </summary>
    public long Generation { get; set; }

    /// <summary>Raised by every change: the compare-and-set version of <see cref="IApiClientStore.ReplaceAsync"/>.</summary>
    public long Version { get; set; }

    /// <summary>Requests per second this client may make on one instance; null: <see cref="AuthOptions.DefaultRequestsPerSecond"/>.</summary>
    public int? RequestsPerSecond { get; set; }

    public string Description { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>True while a rotation's previous secret (and the tokens of the previous generation) are still accepted.</summary>
    public bool InGracePeriod(DateTime now) => PreviousSecretValidUntil is { } until && now < until && !Disabled;
}

/// <summary>Storage port of the API clients.</summary>
internal interface IApiClientStore
{
    Task<ApiClient?> FindByClientIdAsync(string clientId, CancellationToken cancellationToken);

    /// <summary>Creates the client or replaces the one with the same client id (bootstrap clients from configuration).</summary>
    Task UpsertAsync(ApiClient client, CancellationToken cancellationToken);

    /// <summary>Creates a new client; false (and nothing written) when its client id is taken.</summary>
    Task<bool> CreateAsync(ApiClient client, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the client only if its stored <see cref="ApiClient.Version"/> is still <paramref name="expectedVersion"/>;
    /// false (and nothing written) when another change came first or the client is gone.
    /// </summary>
    Task<bool> ReplaceAsync(ApiClient client, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>One page of a company's clients by client id, and how many it has.</summary>
    Task<(IReadOnlyList<ApiClient> Items, long Total)> ListByCompanyAsync(string companyId, int skip, int limit,
        CancellationToken cancellationToken);
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

    /// <summary>Manage the company's API clients; never part of the default grant.</summary>
    public const string ClientAdmin = "client:admin";

    /// <summary>What a client gets when it names no scopes: the platform API, not client management.</summary>
    public static readonly IReadOnlyList<string> All = [Read, Write];

    /// <summary>Every scope a client may be given.</summary>
    public static readonly IReadOnlyList<string> Known = [Read, Write, DecryptAttributes, ClientAdmin];
}

public static class TokenClaims
{
    public const string ClientId = "client_id";
    public const string CompanyId = "company_id";
    public const string ApplicationId = "application_id";
    public const string Scope = "scope";

    /// <summary>The client's <see cref="ApiClient.Generation"/> the token was issued under.</summary>
    public const string Generation = "client_gen";
}
