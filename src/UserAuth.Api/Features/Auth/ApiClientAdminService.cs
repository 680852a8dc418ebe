using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Auth;

/// <summary>Who manages clients: the calling token's client, company, applications (empty: all) and scopes.</summary>
internal sealed record ApiClientCaller(string ClientId, string CompanyId, IReadOnlyList<string> ApplicationIds, IReadOnlyList<string> Scopes);

/// <summary>A new client's reach; null lists take the defaults (every application; user:read user:write).</summary>
internal sealed record NewApiClient(string? ClientId, string? Description, IReadOnlyList<string>? ApplicationIds,
    IReadOnlyList<string>? Scopes, int? RequestsPerSecond);

/// <summary>A change of a client; null fields stay; a <see cref="RequestsPerSecond"/> of 0 returns it to the default.</summary>
internal sealed record ApiClientChange(string? Description, IReadOnlyList<string>? ApplicationIds, IReadOnlyList<string>? Scopes,
    int? RequestsPerSecond);

/// <summary>A client with the secret just generated for it (shown once, never stored).</summary>
internal sealed record ApiClientWithSecret(ApiClient Client, string Secret);

/// <summary>
/// The company's API clients, managed by its operators (scope client:admin): create, list, change the reach, rotate the
/// secret, disable and enable. No caller makes a client reach more than itself: a caller limited to some applications
/// manages only clients within them, and grants only scopes it holds. Every change is a compare-and-set on the client's
/// version (retried on a concurrent change), and whatever must end the client's tokens raises its generation.
/// </summary>
internal sealed class ApiClientAdminService(IApiClientStore store, ClientGate gate, IOptions<AuthOptions> options, TimeProvider clock)
{
    private const int Attempts = 5;

    public async Task<ApiClientWithSecret> CreateAsync(ApiClientCaller caller, NewApiClient command, CancellationToken cancellationToken)
    {
        var applications = Normalize(command.ApplicationIds);
        var scopes = command.Scopes is { Count: > 0 } named ? named.Distinct().ToList() : [.. Scopes.All];
        CheckReach(caller, applications, scopes);
        var secret = NewSecret();
        var now = clock.UtcNowMs();
        var client = new ApiClient
        {
            Id = Ids.New(),
            ClientId = command.ClientId ?? "client-" + Ids.New(),
            SecretHash = SecretHasher.Hash(secret),
            CompanyId = caller.CompanyId,
            ApplicationIds = applications,
            Scopes = scopes,
            Generation = 0,
            Version = 1,
            RequestsPerSecond = command.RequestsPerSecond,
            Description = command.Description ?? "",
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (!await store.CreateAsync(client, cancellationToken))
        {
            throw new ConflictException($"The client id '{client.ClientId}' is taken.", "client_id_taken",
                [new FieldError("client_id", "is taken")]);
        }

        return new ApiClientWithSecret(client, secret);
    }

    public async Task<(IReadOnlyList<ApiClient> Items, long Total)> ListAsync(ApiClientCaller caller, PageRequest page,
        CancellationToken cancellationToken) =>
        await store.ListByCompanyAsync(caller.CompanyId, page.Skip, page.PageSize, cancellationToken);

    public async Task<ApiClient> GetAsync(ApiClientCaller caller, string clientId, CancellationToken cancellationToken) =>
        await FindAsync(caller, clientId, cancellationToken);

    public async Task<ApiClient> UpdateAsync(ApiClientCaller caller, string clientId, ApiClientChange change,
        CancellationToken cancellationToken) =>
        (await ChangeAsync(caller, clientId, client =>
        {
            var applications = change.ApplicationIds is null ? client.ApplicationIds : Normalize(change.ApplicationIds);
            var scopes = change.Scopes is null ? client.Scopes : change.Scopes.Distinct().ToList();
            CheckReach(caller, applications, scopes);
            // The audit record names the fields whose values this change really changed (each attempt reports again).
            using var changes = ChangedFields.Track(client);
            if (!applications.SequenceEqual(client.ApplicationIds) || !scopes.SequenceEqual(client.Scopes))
            {
                // A narrower reach must hold at once: the tokens issued for the old one end, the old secret's grace too.
                EndTokens(client);
            }

            client.ApplicationIds = applications;
            client.Scopes = scopes;
            client.Description = change.Description ?? client.Description;
            client.RequestsPerSecond = change.RequestsPerSecond switch
            {
                null => client.RequestsPerSecond,
                0 => null,
                var limit => limit,
            };
            return "";
        }, cancellationToken)).Client;

    public Task<ApiClientWithSecret> RotateAsync(ApiClientCaller caller, string clientId, int? graceSeconds,
        CancellationToken cancellationToken) =>
        ChangeAsync(caller, clientId, client =>
        {
            var secret = NewSecret();
            var grace = TimeSpan.FromSeconds(graceSeconds ?? options.Value.RotationGraceSeconds);
            client.PreviousSecretHash = client.SecretHash;
            client.PreviousSecretValidUntil = grace > TimeSpan.Zero ? clock.UtcNowMs().Add(grace) : null;
            client.SecretHash = SecretHasher.Hash(secret);
            // The current tokens become the previous generation: accepted until the grace period ends.
            client.Generation++;
            return secret;
        }, cancellationToken);

    public async Task<ApiClient> SetDisabledAsync(ApiClientCaller caller, string clientId, bool disabled,
        CancellationToken cancellationToken) =>
        (await ChangeAsync(caller, clientId, client =>
        {
            if (client.Disabled != disabled)
            {
                // Disabling ends every token; enabling again does not bring the old ones back.
                client.Disabled = disabled;
                EndTokens(client);
            }

            return "";
        }, cancellationToken)).Client;

    private static void EndTokens(ApiClient client)
    {
        client.Generation++;
        client.PreviousSecretHash = null;
        client.PreviousSecretValidUntil = null;
    }

    private async Task<ApiClientWithSecret> ChangeAsync(ApiClientCaller caller, string clientId, Func<ApiClient, string> apply,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var client = await FindAsync(caller, clientId, cancellationToken);
            var expected = client.Version;
            var secret = apply(client);
            client.Version = expected + 1;
            client.UpdatedAt = clock.UtcNowMs();
            if (await store.ReplaceAsync(client, expected, cancellationToken))
            {
                gate.Forget(clientId);
                return new ApiClientWithSecret(client, secret);
            }

            if (attempt == Attempts)
            {
                throw new ConflictException("The client kept changing while this change was made; try again.", "client_changed");
            }
        }
    }

    private async Task<ApiClient> FindAsync(ApiClientCaller caller, string clientId, CancellationToken cancellationToken)
    {
        var client = await store.FindByClientIdAsync(clientId, cancellationToken);
        if (client is null || client.CompanyId != caller.CompanyId)
        {
            throw new NotFoundException($"No client '{clientId}' in this company.", "client_not_found");
        }

        // A caller limited to some applications manages only the clients within them.
        if (caller.ApplicationIds.Count > 0 &&
            (client.ApplicationIds.Count == 0 || !client.ApplicationIds.All(a => caller.ApplicationIds.Contains(a, StringComparer.OrdinalIgnoreCase))))
        {
            throw new ForbiddenException("This client reaches applications your token does not; it cannot be managed with it.");
        }

        if (client.Scopes.Except(caller.Scopes).ToList() is { Count: > 0 } beyond)
        {
            throw new ForbiddenException($"This client holds scopes your token does not ({string.Join(", ", beyond)}); " +
                                         "it cannot be managed with it.");
        }

        return client;
    }

    private static void CheckReach(ApiClientCaller caller, List<string> applications, List<string> scopes)
    {
        var errors = new List<FieldError>();
        if (caller.ApplicationIds.Count > 0 &&
            (applications.Count == 0 || !applications.All(a => caller.ApplicationIds.Contains(a, StringComparer.OrdinalIgnoreCase))))
        {
            errors.Add(new FieldError("application_ids", "must be within the applications of your token: " +
                                                         string.Join(", ", caller.ApplicationIds)));
        }

        if (scopes.Except(caller.Scopes).ToList() is { Count: > 0 } beyond)
        {
            errors.Add(new FieldError("scopes", "your token does not hold " + string.Join(", ", beyond)));
        }

        if (errors.Count > 0)
        {
            throw new ForbiddenException("A client cannot be given more than the token that manages it holds.", "forbidden", errors);
        }
    }

    private static List<string> Normalize(IReadOnlyList<string>? applications) =>
        (applications ?? []).Select(a => a.ToLowerInvariant()).Distinct().ToList();

    /// <summary>256 random bits, base64url: what the client sends as its secret.</summary>
    private static string NewSecret() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
