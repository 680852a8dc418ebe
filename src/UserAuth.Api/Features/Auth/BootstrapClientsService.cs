using Microsoft.Extensions.Options;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Auth;

/// <summary>
/// Creates or updates the configured clients at start-up, after the store is initialised. Configuration decides a
/// bootstrap client's secret, company, applications, scopes and limit: when they differ from what is stored (a secret
/// rotated through the client management endpoint, say), configuration wins and the client's generation rises, ending
/// the tokens it holds. Disabling stays: a bootstrap client disabled through the endpoint stays disabled.
/// </summary>
internal sealed class BootstrapClientsService(
    IApiClientStore store,
    IOptions<AuthOptions> options,
    TimeProvider clock,
    ILogger<BootstrapClientsService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var wanted in options.Value.BootstrapClients)
        {
            var now = clock.UtcNowMs();
            var existing = await store.FindByClientIdAsync(wanted.ClientId, cancellationToken);
            var scopes = ParseScopes(wanted.Scopes);
            var applications = wanted.ApplicationIds.Select(a => a.ToLowerInvariant()).Distinct().ToList();
            var sameSecret = existing is not null && SecretHasher.Verify(wanted.ClientSecret, existing.SecretHash);
            var unchanged = sameSecret && existing!.CompanyId == wanted.CompanyId &&
                            existing.Scopes.SequenceEqual(scopes) && existing.ApplicationIds.SequenceEqual(applications);
            var client = new ApiClient
            {
                Id = existing?.Id ?? Ids.New(),
                ClientId = wanted.ClientId,
                SecretHash = sameSecret ? existing!.SecretHash : SecretHasher.Hash(wanted.ClientSecret),
                PreviousSecretHash = unchanged ? existing!.PreviousSecretHash : null,
                PreviousSecretValidUntil = unchanged ? existing!.PreviousSecretValidUntil : null,
                CompanyId = wanted.CompanyId,
                ApplicationIds = applications,
                Scopes = scopes,
                Disabled = existing?.Disabled ?? false,
                Generation = existing is null ? 0 : unchanged ? existing.Generation : existing.Generation + 1,
                Version = (existing?.Version ?? 0) + 1,
                RequestsPerSecond = wanted.RequestsPerSecond,
                Description = existing?.Description is { Length: > 0 } description ? description : "bootstrap client (configuration)",
                CreatedAt = existing?.CreatedAt ?? now,
                UpdatedAt = now,
            };
            await store.UpsertAsync(client, cancellationToken);
            logger.LogInformation("Bootstrap client {ClientId} ready for company {CompanyId}", client.ClientId, client.CompanyId);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Space- or comma-separated; none: the platform API's scopes (user:read, user:write).</summary>
    public static List<string> ParseScopes(string? scopes)
    {
        var parsed = (scopes ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct().ToList();
        return parsed.Count == 0 ? [.. Scopes.All] : parsed;
    }
}
