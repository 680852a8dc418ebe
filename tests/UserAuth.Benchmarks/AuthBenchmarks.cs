using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Benchmarks;

/// <summary>
/// Token issuance (client credentials: PBKDF2-SHA256 verification of the client secret, then a signed JWT) and the
/// per-request cost of bearer authentication.
/// </summary>
[Config(typeof(BenchConfig))]
[MemoryDiagnoser]
[BenchmarkCategory("auth")]
public class AuthBenchmarks
{
    private BenchHost host = null!;
    private TokenService tokens = null!;
    private string storedHash = "";
    private string searchMiss = "";

    [GlobalSetup]
    public async Task Setup()
    {
        host = await BenchHost.StartAsync();
        tokens = host.Services.GetRequiredService<TokenService>();
        storedHash = SecretHasher.Hash(BenchHost.ClientSecret);
        searchMiss = BenchHost.BasePath + "/customers/search?q=" + Uri.EscapeDataString("nobody@example.com");
    }

    [GlobalCleanup]
    public async Task Cleanup() => await host.DisposeAsync();

    [Benchmark(Description = "POST oauth/token (HTTP)")]
    public Task<int> Http_Token() => BenchHost.SendAsync(host.Anonymous, BenchHost.TokenRequest());

    [Benchmark(Description = "TokenService.IssueAsync")]
    public async Task<string> Service_Token() =>
        (await tokens.IssueAsync(BenchHost.CompanyId, BenchHost.ClientId, BenchHost.ClientSecret, null, CancellationToken.None))
        .AccessToken;

    [Benchmark(Description = "SecretHasher.Verify (PBKDF2 100k)")]
    public bool Pbkdf2_Verify() => SecretHasher.Verify(BenchHost.ClientSecret, storedHash);

    [Benchmark(Description = "GET health/live, no token")]
    public Task<int> Http_Health_Anonymous() => BenchHost.GetAsync(host.Anonymous, "/health/live");

    [Benchmark(Description = "GET health/live + bearer")]
    public Task<int> Http_Health_Bearer() => BenchHost.GetAsync(host.Client, "/health/live");

    [Benchmark(Description = "searchUsers q=unknown + bearer")]
    public Task<int> Http_SearchMiss_Bearer() => BenchHost.GetAsync(host.Client, searchMiss);
}
