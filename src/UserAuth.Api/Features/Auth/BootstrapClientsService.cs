using Microsoft.Extensions.Options;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Auth;

/// <summary>Creates or updates the configured clients at start-up, after the store is initialised.</summary>
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
            var now = clock.GetUtcNow().UtcDateTime;
            var existing = await store.FindByClientIdAsync(wanted.ClientId, cancellationToken);
            var scopes = (wanted.Scopes ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Distinct().ToList();
            var client = new ApiClient
            {
                Id = existing?.Id ?? Ids.New(),
                ClientId = wanted.ClientId,
                SecretHash = existing is not null && SecretHasher.Verify(wanted.ClientSecret, existing.SecretHash)
                    ? existing.SecretHash
                    : SecretHasher.Hash(wanted.ClientSecret),
                CompanyId = wanted.CompanyId,
                ApplicationIds = wanted.ApplicationIds.Select(a => a.ToLowerInvariant()).Distinct().ToList(),
                Scopes = scopes.Count == 0 ? [.. Scopes.All] : scopes,
                CreatedAt = existing?.CreatedAt ?? now,
                UpdatedAt = now,
            };
            await store.UpsertAsync(client, cancellationToken);
            logger.LogInformation("Bootstrap client {ClientId} ready for company {CompanyId}", client.ClientId, client.CompanyId);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
