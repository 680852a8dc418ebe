using System.Net;
using UserAuth.Api.Features.PlatformConfig;
using UserAuth.Tests.Infrastructure;
using UserAuth.Tests.Sessions;

namespace UserAuth.Tests.PlatformConfig;

/// <summary>
/// Updates that race other writers, through a second instance over the same store whose writes another request beats
/// just before they land: each lost race is retried on top of the winner's write (no update lost), up to 16 attempts,
/// then the request is answered 409 <c>concurrent_update</c> and writes nothing; with <c>If-Match</c> a lost race is a 412.
/// </summary>
public abstract class PlatformConfigRaceApiTests(ApiFixture fixture)
{
    private static string NewPath() => $"{Http.App(ApiFixture.NewApplicationId())}/platform/config";

    /// <summary>A second instance whose every configuration write is preceded by <paramref name="meanwhile"/>.</summary>
    private async Task<(HttpClient Raced, IAsyncDisposable Instance)> RacedAsync(string operation, Func<Task> meanwhile)
    {
        fixture.RequireStore();
        var instance = RacingStore.InstanceOver<IPlatformConfigStore>(fixture, store => RacingStore.Over(store, (operation, meanwhile)));
        return (await instance.CreateClient().WithTokenAsync(fixture), instance);
    }

    [Fact]
    public async Task An_update_that_loses_fifteen_races_is_written_on_the_sixteenth_attempt_over_every_winner()
    {
        var http = await fixture.ClientAsync();
        var path = NewPath();
        await http.PostJsonAsync(path, new { name = "first" });
        var attempts = 0;
        var (raced, instance) = await RacedAsync(nameof(IPlatformConfigStore.ReplaceAsync), async () =>
        {
            if (++attempts < 16)
            {
                await http.PostJsonAsync(path, new { subtext = $"other writer {attempts}" });
            }
        });
        await using var _ = instance;

        var written = await raced.PostJsonAsync(path, new { name = "mine" });

        Assert.Equal(16, attempts);
        Assert.Equal("mine", written.GetProperty("name").GetString());
        Assert.Equal("other writer 15", written.GetProperty("subtext").GetString());
        Assert.Equal(17, written.GetProperty("__v").GetInt32());
        Assert.Equal(17, (await http.GetJsonAsync(path)).GetProperty("__v").GetInt32());
    }

    [Fact]
    public async Task An_update_that_loses_sixteen_races_is_answered_409_concurrent_update_and_writes_nothing()
    {
        var http = await fixture.ClientAsync();
        var path = NewPath();
        await http.PostJsonAsync(path, new { name = "first" });
        var attempts = 0;
        var (raced, instance) = await RacedAsync(nameof(IPlatformConfigStore.ReplaceAsync), async () =>
            await http.PostJsonAsync(path, new { subtext = $"other writer {++attempts}" }));
        await using var _ = instance;

        var refused = await raced.PostJsonAsync(path, new { name = "lost" }, HttpStatusCode.Conflict);

        Http.AssertError(refused, "concurrent_update");
        Assert.Equal(16, attempts);
        var stored = await http.GetJsonAsync(path);
        Assert.Equal("first", stored.GetProperty("name").GetString());
        Assert.Equal("other writer 16", stored.GetProperty("subtext").GetString());
        Assert.Equal(17, stored.GetProperty("__v").GetInt32());
    }

    [Fact]
    public async Task A_first_save_that_loses_to_another_first_save_is_written_over_it()
    {
        var http = await fixture.ClientAsync();
        var path = NewPath();
        var attempts = 0;
        var first = default(System.Text.Json.JsonElement);
        var (raced, instance) = await RacedAsync(nameof(IPlatformConfigStore.InsertAsync), async () =>
        {
            if (++attempts == 1)
            {
                first = await http.PostJsonAsync(path, new { subtext = "saved first" });
                await Task.Delay(20);
            }
        });
        await using var _ = instance;

        var written = await raced.PostJsonAsync(path, new { name = "mine" });

        Assert.Equal(1, attempts);
        Assert.Equal(("mine", "saved first", 2), (written.GetProperty("name").GetString(),
            written.GetProperty("subtext").GetString(), written.GetProperty("__v").GetInt32()));
        // Created by the first save; updated by this one, later.
        Assert.Equal(first.GetProperty("created_at").GetDateTime(), written.GetProperty("created_at").GetDateTime());
        Assert.True(written.GetProperty("updated_at").GetDateTime() > first.GetProperty("updated_at").GetDateTime());
        Assert.False(written.GetProperty("meta").TryGetProperty("fynd_default", out var fyndDefault) && fyndDefault.GetBoolean());
    }

    [Fact]
    public async Task With_If_Match_an_update_that_loses_a_race_is_answered_412_and_writes_nothing()
    {
        var http = await fixture.ClientAsync();
        var path = NewPath();
        var version = (await http.PostJsonAsync(path, new { name = "first" })).GetProperty("__v").GetInt32();
        var attempts = 0;
        var (raced, instance) = await RacedAsync(nameof(IPlatformConfigStore.ReplaceAsync), async () =>
        {
            if (++attempts == 1)
            {
                await http.PostJsonAsync(path, new { subtext = "other writer" });
            }
        });
        await using var _ = instance;

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Http.Json(new { name = "mine" }) };
        request.Headers.TryAddWithoutValidation("If-Match", $"\"{version}\"");
        var refused = await (await raced.SendAsync(request)).ExpectAsync(HttpStatusCode.PreconditionFailed);

        Http.AssertError(refused, "precondition_failed", "If-Match");
        Assert.Equal(1, attempts);
        var stored = await http.GetJsonAsync(path);
        Assert.Equal(("first", "other writer", 2), (stored.GetProperty("name").GetString(),
            stored.GetProperty("subtext").GetString(), stored.GetProperty("__v").GetInt32()));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqlitePlatformConfigRaceApiTests(SqliteApiFixture fixture) : PlatformConfigRaceApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoPlatformConfigRaceApiTests(MongoApiFixture fixture) : PlatformConfigRaceApiTests(fixture);
