using System.Net;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Lifecycle;
using UserAuth.Tests.Infrastructure;
using UserAuth.Tests.Sessions;

namespace UserAuth.Tests.Lifecycle;

/// <summary>
/// What block / unblock, archive, delete and restore write, pinned down (issue 13, "Tests that can fail"): ids in any
/// case and repeated, the timeline's titles and reasons, erased users, and a block that loses its race to an archive by
/// another instance.
/// </summary>
public abstract class LifecycleRulesApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private async Task<string> NewUserAsync(HttpClient http) =>
        (await http.PostJsonAsync($"{P}/customers", Build.User())).GetProperty("user").GetProperty("_id").GetString()!;

    private async Task SessionAsync(HttpClient http, string userId) =>
        await http.PostJsonAsync($"{P}/customers/session", new { user_id = userId, domain = "shop.example.com" });

    private async Task<List<(string? Type, string? Title, string? SubTitle)>> TimelineAsync(HttpClient http, string userId) =>
        (await http.GetJsonAsync($"{P}/customers/{userId}/timeline")).GetProperty("timeline").EnumerateArray()
        .Select(e => (e.GetProperty("type").GetString(), e.GetProperty("title").GetString(),
            e.TryGetProperty("sub_title", out var sub) ? sub.GetString() : null))
        .ToList();

    [Fact]
    public async Task Block_takes_ids_in_any_case_once_a_repeat_changes_nothing_and_unblock_records_its_reason()
    {
        var http = await fixture.ClientAsync();
        var id = await NewUserAsync(http);
        await SessionAsync(http, id);

        // The same user twice, once upper-cased, no reason: one user blocked, its session ended.
        var blocked = await http.PutJsonAsync($"{P}/customers/activation",
            new { user_id = new[] { id.ToUpperInvariant(), id }, status = false });
        Assert.Equal([id], blocked.GetProperty("user_ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, blocked.GetProperty("revoked_sessions").GetInt32());

        // Blocking a blocked user: success, nothing written, nothing ended.
        var again = await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { id }, status = false, reason = "again" });
        Assert.Equal(0, again.GetProperty("revoked_sessions").GetInt32());

        var unblocked = await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { id }, status = true, reason = "cleared" });
        Assert.Equal(0, unblocked.GetProperty("revoked_sessions").GetInt32());
        // Unblocking an active user changes nothing either.
        await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { id }, status = true, reason = "twice" });

        Assert.Equal(
            [
                ("created", "Account created", null),
                ("blocked", "Account blocked", null),
                ("unblocked", "Account unblocked", "cleared"),
            ],
            await TimelineAsync(http, id));
    }

    [Fact]
    public async Task Archive_and_delete_record_their_titles_and_reasons_and_end_sessions()
    {
        var http = await fixture.ClientAsync();
        var archived = await NewUserAsync(http);
        await SessionAsync(http, archived);
        var archive = await http.PutJsonAsync($"{P}/customers/archive", new { user_id = archived.ToUpperInvariant() });
        Assert.Equal(archived, archive.GetProperty("user_id").GetString());
        Assert.Equal(
            [
                ("created", "Account created", null),
                ("archived", "Account archived", null),
            ],
            await TimelineAsync(http, archived));

        var deleted = await NewUserAsync(http);
        await SessionAsync(http, deleted);
        var delete = await (await http.DeleteAsync($"{P}/customers/{deleted}?reason={Uri.EscapeDataString("  moving away  ")}"))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, delete.GetProperty("revoked_sessions").GetInt32());
        // A restore with a blank reason and no reason id shows none.
        await http.PutJsonAsync($"{P}/customers/undelete", new { user_id = deleted, reason = "   " });
        Assert.Equal(
            [
                ("created", "Account created", null),
                ("deleted", "Account deletion requested", "moving away"),
                ("restored", "Account deletion cancelled", null),
            ],
            await TimelineAsync(http, deleted));
    }

    [Fact]
    public async Task An_erased_user_is_unknown_to_block_archive_delete_and_the_timeline()
    {
        var http = await fixture.ClientAsync();
        var id = await NewUserAsync(http);
        var bystander = await NewUserAsync(http);
        await (await http.DeleteAsync($"{P}/customers/{id}?reason=bye")).ExpectAsync(HttpStatusCode.OK);
        var store = fixture.Services.GetRequiredService<IUserStore>();
        var user = (await store.FindByIdAsync(new Tenant("1001", app), id, CancellationToken.None))!;
        var version = user.Version;
        user.DeleteOn = DateTime.UtcNow.AddMinutes(-1);
        user.Version++;
        Assert.True(await store.ReplaceAsync(user, version, CancellationToken.None));
        Assert.True(await fixture.Services.GetRequiredService<ErasureService>().EraseDueAsync(CancellationToken.None) >= 1);

        var block = await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { bystander, id }, status = false },
            HttpStatusCode.NotFound);
        Http.AssertError(block, "user_not_found", "user_id");
        Assert.Equal($"No such user: {id}.", block.GetProperty("message").GetString());
        Assert.Equal($"{id} is not a user of this application", Assert.Single(block.GetProperty("errors").EnumerateArray()).GetProperty("reason").GetString());
        Http.AssertError(await http.PutJsonAsync($"{P}/customers/archive", new { user_id = id }, HttpStatusCode.NotFound), "user_not_found");
        Http.AssertError(await (await http.DeleteAsync($"{P}/customers/{id}?reason=x")).ExpectAsync(HttpStatusCode.NotFound), "user_not_found");
        Http.AssertError(await http.GetJsonAsync($"{P}/customers/{id}/timeline", HttpStatusCode.NotFound), "user_not_found");
        // Nothing was half done: the bystander is still active.
        var listed = await http.GetJsonAsync($"{P}/customers/list?q={(await store.FindByIdAsync(new Tenant("1001", app), bystander, CancellationToken.None))!.Username}");
        Assert.True(listed.GetProperty("items")[0].GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task The_refusal_of_a_user_who_is_not_live_says_which_state_they_are_in()
    {
        var http = await fixture.ClientAsync();
        var archived = await NewUserAsync(http);
        var deleted = await NewUserAsync(http);
        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = archived });
        await (await http.DeleteAsync($"{P}/customers/{deleted}?reason=bye")).ExpectAsync(HttpStatusCode.OK);

        var refused = await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { archived, deleted }, status = false },
            HttpStatusCode.Conflict);
        var reasons = refused.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("reason").GetString()).ToList();
        Assert.Equal([$"{archived} is archived", $"{deleted} is deleted"], reasons);
        Assert.Contains(archived, refused.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_block_that_loses_its_race_to_an_archive_by_another_instance_is_409_and_blocks_nothing()
    {
        fixture.RequireStore();
        var http = await fixture.ClientAsync();
        var id = await NewUserAsync(http);

        // Between this instance's checks and its write, another instance archives the user.
        var race = new RacingUserStore();
        race.BeforeReplace = async _ =>
        {
            race.BeforeReplace = null;
            await http.PutJsonAsync($"{P}/customers/archive", new { user_id = id, reason = "closed" });
        };
        await using var instance = race.InstanceOver(fixture);
        var raced = await instance.CreateClient().WithTokenAsync(fixture);

        var refused = await raced.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { id }, status = false },
            HttpStatusCode.Conflict);
        Http.AssertError(refused, "user_not_live");
        Assert.Equal(1, race.Replaces); // the write that lost; the retry saw the archived user and wrote nothing
        Assert.Equal(["created", "archived"], (await TimelineAsync(http, id)).Select(e => e.Type));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteLifecycleRulesApiTests(SqliteApiFixture fixture) : LifecycleRulesApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoLifecycleRulesApiTests(MongoApiFixture fixture) : LifecycleRulesApiTests(fixture);
