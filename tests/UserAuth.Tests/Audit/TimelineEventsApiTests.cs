using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Audit;
using UserAuth.Api.Features.Sessions;
using UserAuth.Tests.Infrastructure;
using UserAuth.Tests.Sessions;

namespace UserAuth.Tests.Audit;

/// <summary>
/// Lifecycle events are written ahead of their state change (SQLite: in its transaction; MongoDB: stored before it) and
/// go again when the change does not happen: a repeated or refused change leaves no event, a change that happened has
/// exactly one. Through HTTP, against each store.
/// </summary>
public abstract class TimelineEventsApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private async Task<List<JsonElement>> TimelineAsync(HttpClient http, string userId) =>
        (await http.GetJsonAsync($"{P}/customers/{userId}/timeline")).GetProperty("timeline").EnumerateArray().ToList();

    private async Task<List<string>> TypesAsync(HttpClient http, string userId) =>
        (await TimelineAsync(http, userId)).Select(e => e.GetProperty("type").GetString()!).ToList();

    [Fact]
    public async Task A_repeated_block_unblock_or_archive_has_one_event()
    {
        var http = await fixture.ClientAsync();
        var user = (await http.NewCustomerAsync(app)).Id;
        foreach (var status in new[] { false, false, true, true })
        {
            await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { user }, status, reason = "check" });
        }

        Assert.Equal(["created", "blocked", "unblocked"], await TypesAsync(http, user));

        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = user, reason = "left" });
        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = user, reason = "again" });
        var timeline = await TimelineAsync(http, user);
        Assert.Equal(["created", "blocked", "unblocked", "archived"], timeline.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("left", timeline[3].GetProperty("sub_title").GetString());
    }

    [Fact]
    public async Task A_refused_change_leaves_no_event()
    {
        var http = await fixture.ClientAsync();
        var deleted = (await http.NewCustomerAsync(app)).Id;
        await (await http.DeleteAsync($"{P}/customers/{deleted}?reason=bye")).ExpectAsync(HttpStatusCode.OK);
        Http.AssertError(await http.PutJsonAsync($"{P}/customers/archive", new { user_id = deleted }, HttpStatusCode.Conflict), "user_deleted");

        var live = (await http.NewCustomerAsync(app)).Id;
        Http.AssertError(await http.PutJsonAsync($"{P}/customers/undelete", new { user_id = live, reason = "no" }, HttpStatusCode.Conflict),
            "user_not_deleted");
        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = live });
        Http.AssertError(await (await http.DeleteAsync($"{P}/customers/{live}?reason=bye")).ExpectAsync(HttpStatusCode.Conflict), "user_archived");
        await http.DeleteSessionAsync(app, live, Ids.New(), status: HttpStatusCode.NotFound);

        Assert.Equal(["created", "deleted"], await TypesAsync(http, deleted));
        Assert.Equal(["created", "archived"], await TypesAsync(http, live));
    }

    [Fact]
    public async Task Ending_sessions_has_its_event_with_the_count_and_ending_none_has_none()
    {
        var http = await fixture.ClientAsync();
        var user = (await http.NewCustomerAsync(app)).Id;
        await http.DeleteAllAsync(app, user, reason: "nothing to end");
        var one = await http.CreateSessionAsync(app, user);
        await http.CreateSessionAsync(app, user);
        await http.CreateSessionAsync(app, user);
        await http.DeleteSessionAsync(app, user, one.GetProperty("session_id").GetString()!, reason: "lost phone");
        await http.DeleteAllAsync(app, user, reason: "password leaked");
        await http.DeleteAllAsync(app, user, reason: "again");

        var timeline = await TimelineAsync(http, user);
        Assert.Equal(["created", "session_deleted", "sessions_deleted"], timeline.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("Session ended by an admin", timeline[1].GetProperty("title").GetString());
        Assert.Equal("2 active sessions ended by an admin", timeline[2].GetProperty("title").GetString());
        Assert.Equal("password leaked", timeline[2].GetProperty("sub_title").GetString());
    }

    [Fact]
    public async Task The_sessions_event_is_stored_with_the_revocation_then_titled_with_the_count()
    {
        fixture.RequireStore();
        var user = (await (await fixture.ClientAsync()).NewCustomerAsync(app)).Id;
        var tenant = new Tenant("1001", app);
        var audit = fixture.Services.GetRequiredService<IAuditStore>();
        string? titleRightAfterTheWrite = null;
        await using var instance = RacingStore.InstanceOver<ISessionStore>(fixture, store => RacingStore.Answering(store,
            nameof(ISessionStore.RevokeAllAsync), args => RevokeThenLookAsync(store, args)));
        var http = await instance.CreateClient().WithTokenAsync(fixture);
        await http.CreateSessionAsync(app, user);

        await http.DeleteAllAsync(app, user, reason: "password leaked");

        // What a crash right after the revocation's write leaves: the event, with the title written ahead.
        Assert.Equal("Active sessions ended by an admin", titleRightAfterTheWrite);
        Assert.Equal("1 active sessions ended by an admin",
            Assert.Single(await TimelineAsync(http, user), e => e.GetProperty("type").GetString() == "sessions_deleted").GetProperty("title").GetString());
        return;

        async Task<int> RevokeThenLookAsync(ISessionStore store, object?[] args)
        {
            var revoked = await store.RevokeAllAsync((Tenant)args[0]!, (string)args[1]!, (SessionRevocation)args[2]!, CancellationToken.None);
            titleRightAfterTheWrite = (await audit.EventsOfAsync(tenant, user, CancellationToken.None))
                .SingleOrDefault(e => e.EventType == "sessions_deleted")?.Title;
            return revoked;
        }
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteTimelineEventsApiTests(SqliteApiFixture fixture) : TimelineEventsApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoTimelineEventsApiTests(MongoApiFixture fixture) : TimelineEventsApiTests(fixture);
