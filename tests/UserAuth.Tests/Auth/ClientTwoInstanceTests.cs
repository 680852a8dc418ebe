using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UserAuth.Api.Features.Auth;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Auth;

/// <summary>
/// Two instances over one store: a client disabled or rotated out on one is refused on the other within the client
/// check interval (Auth:ClientCheckMilliseconds), although the other has the token in its validated-token cache; and the
/// check costs one store read per client per interval, not one per request.
/// </summary>
public abstract class ClientTwoInstanceTests(ApiFixture fixture)
{
    private static string ReadRoute() => $"{Http.App(ApiFixture.NewApplicationId())}/customers/list";

    private ApiFactory SecondInstance()
    {
        fixture.RequireStore();
        var settings = ApiFactory.BaseSettings();
        foreach (var (key, value) in fixture.StoreSettings)
        {
            settings[key] = value;
        }

        return new ApiFactory(settings);
    }

    /// <summary>Polls <paramref name="http"/> on a route until it answers 401; how long that took after the change.</summary>
    private static async Task<TimeSpan> RefusedAfterAsync(HttpClient http, Stopwatch sinceChange)
    {
        while (sinceChange.Elapsed < TimeSpan.FromSeconds(10))
        {
            var response = await http.GetAsync(ReadRoute());
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                return sinceChange.Elapsed;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await Task.Delay(25);
        }

        Assert.Fail("the other instance still accepts the token after 10 s");
        return TimeSpan.Zero;
    }

    [Fact]
    public async Task A_client_disabled_on_one_instance_is_refused_on_the_other_within_the_check_interval()
    {
        await using var second = SecondInstance();
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var (id, secret) = await ApiClientsApiTests.CreateAsync(admin, new { });
        var onFirst = await ApiClientsApiTests.BearerAsync(fixture.Anonymous(), id, secret);
        // The token from the first instance, used on the second one.
        var onSecond = second.CreateClient();
        onSecond.DefaultRequestHeaders.Authorization = onFirst.DefaultRequestHeaders.Authorization;

        // Hot path: many requests, one store read per interval.
        var gate = second.Services.GetRequiredService<ClientGate>();
        var interval = TimeSpan.FromMilliseconds(second.Services.GetRequiredService<IOptions<AuthOptions>>().Value.ClientCheckMilliseconds);
        var readsBefore = gate.StoreReads;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 30; i++)
        {
            await onSecond.GetJsonAsync(ReadRoute());
        }

        var reads = gate.StoreReads - readsBefore;
        Assert.InRange(reads, 1, (long)(clock.Elapsed / interval) + 1);

        await admin.PostJsonAsync($"{ApiClientsApiTests.ClientsPath}/{id}/disable", new { });
        var sinceChange = Stopwatch.StartNew();
        var took = await RefusedAfterAsync(onSecond, sinceChange);
        Assert.True(took <= interval + TimeSpan.FromSeconds(1), $"refused after {took.TotalMilliseconds:F0} ms");
        await onFirst.GetJsonAsync(ReadRoute(), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_secret_rotated_out_on_one_instance_ends_its_tokens_on_the_other_within_the_check_interval()
    {
        await using var second = SecondInstance();
        var admin = await fixture.ClientAsync(TestClients.Admin);
        var (id, secret) = await ApiClientsApiTests.CreateAsync(admin, new { });
        var onSecond = await ApiClientsApiTests.BearerAsync(second.CreateClient(), id, secret);
        await onSecond.GetJsonAsync(ReadRoute());
        var interval = TimeSpan.FromMilliseconds(second.Services.GetRequiredService<IOptions<AuthOptions>>().Value.ClientCheckMilliseconds);

        var rotated = await admin.PostJsonAsync($"{ApiClientsApiTests.ClientsPath}/{id}/secret", new { grace_seconds = 0 });
        var sinceChange = Stopwatch.StartNew();
        var took = await RefusedAfterAsync(onSecond, sinceChange);
        Assert.True(took <= interval + TimeSpan.FromSeconds(1), $"refused after {took.TotalMilliseconds:F0} ms");

        // The new secret works on both.
        await (await ApiClientsApiTests.BearerAsync(second.CreateClient(), id, rotated.GetProperty("client_secret").GetString()!))
            .GetJsonAsync(ReadRoute());
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteClientTwoInstanceTests(SqliteApiFixture fixture) : ClientTwoInstanceTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoClientTwoInstanceTests(MongoApiFixture fixture) : ClientTwoInstanceTests(fixture);
