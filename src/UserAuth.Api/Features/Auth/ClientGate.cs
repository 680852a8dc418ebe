using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace UserAuth.Api.Features.Auth;

/// <summary>
/// Decides, on every authenticated request, whether the token's client still stands behind it: the client exists, is
/// not disabled, and the token's generation is the client's current one (or the previous one during a rotation's grace
/// period). What it knows of a client it read from the store at most <see cref="AuthOptions.ClientCheckMilliseconds"/>
/// ago: one store read per client per interval on each instance, shared by the requests that wait for it, so a change
/// made on any instance is seen by every instance within the interval. Runs after token validation (the JWT bearer
/// <c>OnTokenValidated</c> event), so <see cref="ValidatedTokenCache"/> never lets a token past it.
/// </summary>
internal sealed class ClientGate(IApiClientStore store, IOptions<AuthOptions> options, TimeProvider clock)
{
    /// <summary>The request item holding the client the request's token belongs to (read by the rate limiter).</summary>
    public const string ClientItem = "userauth.client";

    private const int Capacity = 10_000;
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private long storeReads;

    /// <summary>Store reads so far (tests and benchmarks check there is one per client per interval).</summary>
    public long StoreReads => Interlocked.Read(ref storeReads);

    /// <summary>The client as last read, at most the check interval old; null when it does not exist.</summary>
    public async Task<ApiClient?> GetAsync(string clientId, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.ClientCheckMilliseconds);
        while (true)
        {
            var now = clock.GetTimestamp();
            entries.TryGetValue(clientId, out var known);
            if (known is not null && clock.GetElapsedTime(known.ReadAt, now) < interval && !known.Load.IsFaulted &&
                !known.Load.IsCanceled)
            {
                return await known.Load.WaitAsync(cancellationToken);
            }

            if (known is null && entries.Count >= Capacity)
            {
                entries.Clear();
            }

            // One read per client at a time: whoever installs the fresh entry reads; the others wait for its answer.
            var fresh = new Entry(new Lazy<Task<ApiClient?>>(() => ReadAsync(clientId)), now);
            var installed = known is null ? entries.TryAdd(clientId, fresh) : entries.TryUpdate(clientId, fresh, known);
            if (installed)
            {
                return await fresh.Load.WaitAsync(cancellationToken);
            }
        }
    }

    /// <summary>Forgets what this instance knows of a client (its own changes take effect here at once).</summary>
    public void Forget(string clientId) => entries.TryRemove(clientId, out _);

    /// <summary>Why the token of <paramref name="user"/> is refused, or null when its client stands behind it.</summary>
    public string? Refusal(ClaimsPrincipal user, ApiClient? client)
    {
        if (client is null)
        {
            return "The client of this token no longer exists.";
        }

        if (client.Disabled)
        {
            return "The client of this token is disabled.";
        }

        if (user.FindFirst(TokenClaims.CompanyId)?.Value != client.CompanyId)
        {
            return "The client of this token now belongs to another company.";
        }

        // Tokens issued before generations existed carry none: generation 0.
        var claim = user.FindFirst(TokenClaims.Generation)?.Value;
        if (!long.TryParse(claim ?? "0", NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
        {
            return "The token's client generation is not a number.";
        }

        if (generation == client.Generation ||
            (generation == client.Generation - 1 && client.InGracePeriod(clock.GetUtcNow().UtcDateTime)))
        {
            return null;
        }

        return "This token was issued before the client's secret, applications or scopes changed; get a new token.";
    }

    private async Task<ApiClient?> ReadAsync(string clientId)
    {
        Interlocked.Increment(ref storeReads);
        // Not the request's cancellation: other requests share this read.
        return await store.FindByClientIdAsync(clientId, CancellationToken.None);
    }

    private sealed class Entry(Lazy<Task<ApiClient?>> load, long readAt)
    {
        public Task<ApiClient?> Load => load.Value;

        public long ReadAt { get; } = readAt;
    }
}
