using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Auth;

/// <summary>
/// The token endpoint's cache of verified secrets (issue 13, "Tests that can fail"): a secret that verified once is
/// answered without a second PBKDF2 verification, the cache never accepts another secret, and a rotated secret is no
/// longer accepted although the old one was cached.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class VerifiedSecretCacheTests(SqliteApiFixture fixture)
{
    private const string Company = "1001";

    [Fact]
    public async Task A_verified_secret_is_answered_from_the_cache_and_nothing_else_is()
    {
        var http = fixture.Anonymous();
        var (clientId, secret) = await NewClientAsync();
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(http, clientId, secret));

        // Cached: a right secret skips PBKDF2 (~25 ms by design), a wrong one never does. Interleaved; the fastest of each,
        // since load on a shared machine only ever slows a request (the minimum is the work's own cost).
        var cached = new List<double>();
        var wrong = new List<double>();
        for (var i = 0; i < 9; i++)
        {
            cached.Add(await TimeAsync(http, clientId, secret, HttpStatusCode.OK));
            wrong.Add(await TimeAsync(http, clientId, secret + "-not", HttpStatusCode.Unauthorized));
        }

        Assert.True(cached.Min() < wrong.Min() * 0.5,
            $"a cached right secret: {cached.Min():F1} ms; a wrong secret (one PBKDF2): {wrong.Min():F1} ms");

        // The cache answers only for the secret that verified, and only for its client.
        var (otherId, otherSecret) = await NewClientAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(http, otherId, secret));
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(http, clientId, otherSecret));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(http, otherId, otherSecret));
    }

    [Fact]
    public async Task A_rotated_secret_is_refused_although_it_was_cached()
    {
        var http = fixture.Anonymous();
        var (clientId, secret) = await NewClientAsync();
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(http, clientId, secret));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(http, clientId, secret));

        var store = fixture.Services.GetRequiredService<IApiClientStore>();
        var client = (await store.FindByClientIdAsync(clientId, TestContext.Current.CancellationToken))!;
        const string rotated = "rotated-secret-456";
        client.SecretHash = SecretHasher.Hash(rotated);
        await store.UpsertAsync(client, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(http, clientId, secret));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(http, clientId, rotated));
    }

    private async Task<(string ClientId, string Secret)> NewClientAsync()
    {
        var clientId = "cache-" + Guid.NewGuid().ToString("N")[..12];
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        var now = DateTime.UtcNow;
        await fixture.Services.GetRequiredService<IApiClientStore>().UpsertAsync(new ApiClient
        {
            Id = Ids.New(),
            ClientId = clientId,
            SecretHash = SecretHasher.Hash(secret),
            CompanyId = Company,
            Scopes = [Scopes.Read],
            CreatedAt = now,
            UpdatedAt = now,
        }, TestContext.Current.CancellationToken);
        return (clientId, secret);
    }

    private static async Task<double> TimeAsync(HttpClient http, string clientId, string secret, HttpStatusCode expected)
    {
        var clock = Stopwatch.StartNew();
        Assert.Equal(expected, await TokenStatusAsync(http, clientId, secret));
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task<HttpStatusCode> TokenStatusAsync(HttpClient http, string clientId, string secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/service/panel/authentication/v1.0/company/{Company}/oauth/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{clientId}:{secret}")));
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }

}
