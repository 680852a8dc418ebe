using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Sessions;

/// <summary>
/// What ending sessions puts on the user's timeline (issue 13, "Tests that can fail"): the title of each kind, the count,
/// the reason, and nothing at all when there was no live session to end.
/// </summary>
public abstract class SessionTimelineApiTests(ApiFixture fixture)
{
    [Fact]
    public async Task Ending_sessions_records_title_count_and_reason_and_ending_none_records_nothing()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;

        // No live session: nothing ended, nothing recorded.
        Assert.Empty((await http.DeleteAllAsync(app, user, reason: "nothing to end")).GetProperty("session_ids").EnumerateArray());

        var one = await http.CreateSessionAsync(app, user);
        await http.CreateSessionAsync(app, user);
        await http.CreateSessionAsync(app, user);
        await http.DeleteSessionAsync(app, user, one.GetProperty("session_id").GetString()!, reason: "lost phone");
        Assert.Equal(2, (await http.DeleteAllAsync(app, user, reason: "password leaked")).GetProperty("session_ids").GetArrayLength());

        var timeline = (await http.GetJsonAsync($"{Http.App(app)}/customers/{user}/timeline")).GetProperty("timeline")
            .EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() != "created")
            .Select(e => (e.GetProperty("type").GetString(), e.GetProperty("title").GetString(), e.GetProperty("sub_title").GetString()))
            .ToList();
        Assert.Equal(
            [
                ("session_deleted", "Session ended by an admin", "lost phone"),
                ("sessions_deleted", "2 active sessions ended by an admin", "password leaked"),
            ],
            timeline);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteSessionTimelineApiTests(SqliteApiFixture fixture) : SessionTimelineApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoSessionTimelineApiTests(MongoApiFixture fixture) : SessionTimelineApiTests(fixture);
