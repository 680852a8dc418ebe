using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Tests.Infrastructure;
using UserAuth.Tests.Sessions;

namespace UserAuth.Tests.Audit;

/// <summary>
/// Lifecycle writes (block / unblock, archive, delete, undelete) name in each user's audit record only the fields that
/// changed that user (a repeated block names none), and a block that stops part-way keeps the records of the users it
/// had already changed. Through HTTP, against each store.
/// </summary>
public abstract class AuditLifecycleApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private async Task<string> NewUserAsync(HttpClient http) =>
        (await http.PostJsonAsync($"{P}/customers", Build.User(email: $"{Build.Username()}@example.com")))
            .GetProperty("user").GetProperty("_id").GetString()!;

    /// <summary>The user's records of <paramref name="operation"/>, newest first.</summary>
    private async Task<List<JsonElement>> RecordsAsync(HttpClient http, string userId, string operation) =>
        (await http.GetJsonAsync($"{P}/audit?page_size=100&user_id={userId}")).GetProperty("items").EnumerateArray()
        .Where(r => r.GetProperty("operation").GetString() == operation).ToList();

    private static string[] Fields(JsonElement record) =>
        record.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("field").GetString()!).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The stored user's state, as the user schema's status spells it.</summary>
    private async Task<string> StatusAsync(string userId)
    {
        var user = (await fixture.Services.GetRequiredService<IUserStore>().FindByIdAsync(new Tenant("1001", app), userId, CancellationToken.None))!;
        return user.State == UserState.Live ? (user.Active ? "live" : "blocked") : user.State.ToString().ToLowerInvariant();
    }

    [Fact]
    public async Task Block_and_unblock_name_status_and_reason_only_for_the_users_they_changed()
    {
        var http = await fixture.ClientAsync();
        var a = await NewUserAsync(http);
        var b = await NewUserAsync(http);
        const string op = "blockOrUnblockUsers";

        await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { a }, status = false, reason = "fraud check" });
        var first = Assert.Single(await RecordsAsync(http, a, op));
        Assert.Equal(["reason", "status"], Fields(first));
        Assert.Equal("false", first.GetProperty("changes").EnumerateArray().Single(c => c.GetProperty("field").GetString() == "status")
            .GetProperty("value").GetString());

        // a is blocked already (nothing changes for a), b is live: one record each, only b's names fields.
        await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { a, b }, status = false, reason = "again" });
        var again = await RecordsAsync(http, a, op);
        Assert.Equal(2, again.Count);
        Assert.Empty(Fields(again[0]));
        Assert.Equal(["reason", "status"], Fields(Assert.Single(await RecordsAsync(http, b, op))));

        // Unblocking without a reason names the status only; unblocking again names nothing.
        await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { b }, status = true });
        Assert.Equal(["status"], Fields((await RecordsAsync(http, b, op))[0]));
        await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { b }, status = true });
        var unblocks = await RecordsAsync(http, b, op);
        Assert.Equal(3, unblocks.Count);
        Assert.Empty(Fields(unblocks[0]));
        Assert.All(unblocks, r => Assert.Equal(200, r.GetProperty("status").GetInt32()));
    }

    [Fact]
    public async Task Archive_delete_and_undelete_name_what_they_changed()
    {
        var http = await fixture.ClientAsync();
        var a = await NewUserAsync(http);
        var b = await NewUserAsync(http);

        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = a, reason = "left" });
        Assert.Equal(["reason"], Fields(Assert.Single(await RecordsAsync(http, a, "archiveUser"))));
        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = a, reason = "left again" });
        var archives = await RecordsAsync(http, a, "archiveUser");
        Assert.Equal(2, archives.Count);
        Assert.Empty(Fields(archives[0]));

        await (await http.DeleteAsync($"{P}/customers/{b}?reason=asked")).ExpectAsync(HttpStatusCode.OK);
        await http.PutJsonAsync($"{P}/customers/undelete", new { user_id = b, reason = "changed their mind" });
        Assert.Equal(["reason"], Fields(Assert.Single(await RecordsAsync(http, b, "unDeleteUser"))));
        Assert.Empty(Fields(Assert.Single(await RecordsAsync(http, b, "deleteUser"))));
    }

    [Fact]
    public async Task A_block_that_stops_part_way_keeps_the_records_of_the_users_it_changed()
    {
        fixture.RequireStore();
        var http = await fixture.ClientAsync();
        var a = await NewUserAsync(http);
        var b = await NewUserAsync(http);
        var c = await NewUserAsync(http);

        // Another instance archives b just before this block writes b: a is blocked by then, c is never reached.
        var race = new RacingUserStore();
        race.BeforeReplace = async user =>
        {
            if (user.Id == b)
            {
                race.BeforeReplace = null;
                await http.PutJsonAsync($"{P}/customers/archive", new { user_id = b, reason = "closed" });
            }
        };
        await using var instance = race.InstanceOver(fixture);
        var raced = await instance.CreateClient().WithTokenAsync(fixture);

        var refused = await raced.PutJsonAsync($"{P}/customers/activation",
            new { user_id = new[] { a, b, c }, status = false, reason = "fraud check" }, HttpStatusCode.Conflict);
        Http.AssertError(refused, "user_not_live", "user_id");
        var message = refused.GetProperty("message").GetString()!;
        Assert.Contains(b, message, StringComparison.Ordinal);
        Assert.Contains($"Already blocked (they stay so, their sessions revoked): {a}.", message, StringComparison.Ordinal);

        // a's block is in the store, so its record is too, with the answer's status and the fields that changed a.
        Assert.Equal("blocked", await StatusAsync(a));
        var kept = Assert.Single(await RecordsAsync(http, a, "blockOrUnblockUsers"));
        Assert.Equal(409, kept.GetProperty("status").GetInt32());
        Assert.Equal(["reason", "status"], Fields(kept));
        Assert.Contains((await http.GetJsonAsync($"{P}/customers/{a}/timeline")).GetProperty("timeline").EnumerateArray(),
            e => e.GetProperty("type").GetString() == "blocked");

        // b (archived by the other request) and c (not reached) were not changed by it: no record of it.
        Assert.Equal("archived", await StatusAsync(b));
        Assert.Equal("live", await StatusAsync(c));
        Assert.Empty(await RecordsAsync(http, b, "blockOrUnblockUsers"));
        Assert.Single(await RecordsAsync(http, b, "archiveUser"));
        Assert.Empty(await RecordsAsync(http, c, "blockOrUnblockUsers"));
        var all = (await http.GetJsonAsync($"{P}/audit?page_size=100")).GetProperty("items").EnumerateArray().ToList();
        Assert.Single(all, r => r.GetProperty("operation").GetString() == "blockOrUnblockUsers");
        Assert.DoesNotContain(all, r => r.GetProperty("status").GetInt32() == 0);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteAuditLifecycleApiTests(SqliteApiFixture fixture) : AuditLifecycleApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoAuditLifecycleApiTests(MongoApiFixture fixture) : AuditLifecycleApiTests(fixture);
