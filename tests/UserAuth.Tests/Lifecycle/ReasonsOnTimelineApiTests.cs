using System.Text.Json;
using UserAuth.Tests.Infrastructure;
using UserAuth.Tests.Sessions;

namespace UserAuth.Tests.Lifecycle;

/// <summary>Issue 10 item 7: the reasons unDeleteUser, deleteSession and deleteActiveSessions require are on the user's timeline.</summary>
public abstract class ReasonsOnTimelineApiTests(ApiFixture fixture)
{
    [Fact]
    public async Task Session_deletions_and_a_restore_record_their_reasons_on_the_timeline()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var one = await http.CreateSessionAsync(app, user);
        await http.CreateSessionAsync(app, user);

        await http.DeleteSessionAsync(app, user, one.GetProperty("session_id").GetString()!, reason: "lost phone");
        await http.DeleteAllAsync(app, user, reason: "password leaked");
        await http.DeleteAsync($"{Http.App(app)}/customers/{user}?reason=asked+to+leave");
        await http.PutJsonAsync($"{Http.App(app)}/customers/undelete", new { user_id = user, reason = "changed mind", reason_id = "r-42" });

        var timeline = (await http.GetJsonAsync($"{Http.App(app)}/customers/{user}/timeline")).GetProperty("timeline")
            .EnumerateArray().ToList();
        Assert.Equal("lost phone", SubTitleOf(timeline, "session_deleted"));
        Assert.Equal("password leaked", SubTitleOf(timeline, "sessions_deleted"));
        Assert.Equal("changed mind (reason_id: r-42)", SubTitleOf(timeline, "restored"));
    }

    [Fact]
    public async Task A_restore_with_only_a_reason_id_shows_it()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        await http.DeleteAsync($"{Http.App(app)}/customers/{user}?reason=test");

        await http.PutJsonAsync($"{Http.App(app)}/customers/undelete", new { user_id = user, reason_id = "r-7" });

        var timeline = (await http.GetJsonAsync($"{Http.App(app)}/customers/{user}/timeline")).GetProperty("timeline")
            .EnumerateArray().ToList();
        Assert.Equal("reason_id: r-7", SubTitleOf(timeline, "restored"));
    }

    private static string? SubTitleOf(List<JsonElement> timeline, string type)
    {
        var item = Assert.Single(timeline, e => e.GetProperty("type").GetString() == type);
        return item.TryGetProperty("sub_title", out var sub) ? sub.GetString() : null;
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteReasonsOnTimelineApiTests(SqliteApiFixture fixture) : ReasonsOnTimelineApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoReasonsOnTimelineApiTests(MongoApiFixture fixture) : ReasonsOnTimelineApiTests(fixture);
