using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Lifecycle;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Lifecycle;

/// <summary>Block / unblock, archive, delete and undelete, the timeline and erasure, through HTTP, against each store.</summary>
public abstract class LifecycleApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private static string Id(JsonElement user) => user.GetProperty("_id").GetString()!;

    private async Task<string> SessionAsync(HttpClient http, string userId) =>
        (await http.PostJsonAsync($"{P}/customers/session", new { user_id = userId, domain = "shop.example.com" }))
        .GetProperty("cookie").GetProperty("f.session").GetString()!;

    private async Task<int> LiveSessionsAsync(HttpClient http, string userId) =>
        (await http.GetJsonAsync($"{P}/customers/sessions?id={userId}")).GetProperty("items").GetArrayLength();

    private async Task<JsonElement> FindAsync(HttpClient http, string q) =>
        await http.GetJsonAsync($"{P}/customers/list?q={Uri.EscapeDataString(q)}");

    private async Task<JsonElement> TimelineAsync(HttpClient http, string userId, HttpStatusCode status = HttpStatusCode.OK) =>
        await http.GetJsonAsync($"{P}/customers/{userId}/timeline", status);

    [Fact]
    public async Task Block_sets_inactive_revokes_sessions_and_unblock_restores()
    {
        var http = await fixture.ClientAsync();
        var a = (await http.NewCustomerAsync(app)).Json;
        var b = (await http.NewCustomerAsync(app)).Json;
        var bystander = (await http.NewCustomerAsync(app)).Json;
        await SessionAsync(http, Id(a));
        await SessionAsync(http, Id(a));
        await SessionAsync(http, Id(bystander));

        var blocked = await http.PutJsonAsync($"{P}/customers/activation",
            new { user_id = new[] { Id(a), Id(b) }, status = false, reason = "fraud check" });
        Assert.True(blocked.GetProperty("success").GetBoolean());
        Assert.Equal(2, blocked.GetProperty("revoked_sessions").GetInt32());
        Assert.Equal(0, await LiveSessionsAsync(http, Id(a)));
        Assert.Equal(1, await LiveSessionsAsync(http, Id(bystander)));

        var listed = await FindAsync(http, a.GetProperty("username").GetString()!);
        Assert.False(listed.GetProperty("items")[0].GetProperty("active").GetBoolean());
        Assert.Equal("blocked", listed.GetProperty("items")[0].GetProperty("status").GetString());
        // A blocked user cannot get a new session.
        await http.PostJsonAsync($"{P}/customers/session", new { user_id = Id(a), domain = "shop.example.com" }, HttpStatusCode.Conflict);

        await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { Id(a) }, status = true, reason = "cleared" });
        Assert.True((await FindAsync(http, a.GetProperty("username").GetString()!)).GetProperty("items")[0].GetProperty("active").GetBoolean());
        Assert.False((await FindAsync(http, b.GetProperty("username").GetString()!)).GetProperty("items")[0].GetProperty("active").GetBoolean());

        var types = (await TimelineAsync(http, Id(a))).GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Equal(["created", "blocked", "unblocked"], types);
    }

    [Fact]
    public async Task Block_with_an_unknown_id_reports_it_and_changes_nothing()
    {
        var http = await fixture.ClientAsync();
        var a = (await http.NewCustomerAsync(app)).Json;
        var unknown = ApiFixture.NewApplicationId();
        var body = await http.PutJsonAsync($"{P}/customers/activation",
            new { user_id = new[] { Id(a), unknown }, status = false, reason = "x" }, HttpStatusCode.NotFound);
        Http.AssertError(body, "user_not_found");
        Assert.Contains(unknown, body.GetProperty("message").GetString());
        Assert.True((await FindAsync(http, a.GetProperty("username").GetString()!)).GetProperty("items")[0].GetProperty("active").GetBoolean());

        var invalid = await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { "nope" } }, HttpStatusCode.BadRequest);
        Http.AssertError(invalid, "validation_failed", "user_id");
        Http.AssertError(invalid, "validation_failed", "status");
    }

    [Fact]
    public async Task Archive_frees_identifiers_hides_the_user_and_revokes_sessions()
    {
        var http = await fixture.ClientAsync();
        var phone = Build.Phone();
        var email = $"{Build.Username()}@example.com";
        var user = (await http.NewCustomerAsync(app, Build.User(phone: phone, email: email))).Json;
        await SessionAsync(http, Id(user));

        var archived = await http.PutJsonAsync($"{P}/customers/archive", new { user_id = Id(user) });
        Assert.True(archived.GetProperty("success").GetBoolean());
        Assert.Equal(1, archived.GetProperty("revoked_sessions").GetInt32());
        Assert.Equal(0, await LiveSessionsAsync(http, Id(user)));
        Assert.Equal(0, (await FindAsync(http, email)).GetProperty("items").GetArrayLength());

        // The same username, phone and email register again as a new user.
        var again = (await http.NewCustomerAsync(app, Build.User(username: user.GetProperty("username").GetString(), phone: phone, email: email))).Json;
        Assert.NotEqual(Id(user), Id(again));
        // Archiving twice is harmless; the archived user cannot be updated.
        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = Id(user) });
        await http.PutJsonAsync($"{P}/customers/{Id(user)}", new { first_name = "x" }, HttpStatusCode.Conflict);
        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = ApiFixture.NewApplicationId() }, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_opens_a_restore_window_and_undelete_closes_it()
    {
        var http = await fixture.ClientAsync();
        var email = $"{Build.Username()}@example.com";
        var user = (await http.NewCustomerAsync(app, Build.User(email: email))).Json;
        await SessionAsync(http, Id(user));

        var deleted = await (await http.DeleteAsync($"{P}/customers/{Id(user)}?reason={Uri.EscapeDataString("asked to be forgotten")}"))
            .ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(1, deleted.GetProperty("revoked_sessions").GetInt32());
        var deleteOn = DateTime.Parse(deleted.GetProperty("delete_on").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.InRange(deleteOn, DateTime.UtcNow.AddDays(7).AddMinutes(-5), DateTime.UtcNow.AddDays(7).AddMinutes(5));
        Assert.Equal(0, await LiveSessionsAsync(http, Id(user)));

        // Identifiers stay reserved during the window.
        await http.PostJsonAsync($"{P}/customers", Build.User(email: email), HttpStatusCode.Conflict);
        var timeline = await TimelineAsync(http, Id(user));
        Assert.Equal(deleted.GetProperty("delete_on").GetString(), timeline.GetProperty("delete_on").GetString());

        // A retry answers the same window.
        var retry = await (await http.DeleteAsync($"{P}/customers/{Id(user)}?reason=again")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(deleted.GetProperty("delete_on").GetString(), retry.GetProperty("delete_on").GetString());

        var restored = await http.PutJsonAsync($"{P}/customers/undelete", new { user_id = Id(user), reason = "changed my mind", reason_id = "1" });
        Assert.True(restored.GetProperty("success").GetBoolean());
        var back = (await FindAsync(http, email)).GetProperty("items")[0];
        Assert.Equal("live", back.GetProperty("status").GetString());
        Assert.False(back.TryGetProperty("delete_on", out _));
        var types = (await TimelineAsync(http, Id(user))).GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("type").GetString());
        Assert.Equal(["created", "deleted", "restored"], types);
    }

    [Fact]
    public async Task Delete_needs_a_reason_and_a_known_user()
    {
        var http = await fixture.ClientAsync();
        var user = (await http.NewCustomerAsync(app)).Json;
        Http.AssertError(await (await http.DeleteAsync($"{P}/customers/{Id(user)}")).ExpectAsync(HttpStatusCode.BadRequest),
            "validation_failed", "reason");
        Http.AssertError(await (await http.DeleteAsync($"{P}/customers/{ApiFixture.NewApplicationId()}?reason=x")).ExpectAsync(HttpStatusCode.NotFound),
            "user_not_found");
    }

    [Fact]
    public async Task Undelete_is_refused_for_a_user_never_deleted_or_after_the_window()
    {
        var http = await fixture.ClientAsync();
        var never = (await http.NewCustomerAsync(app)).Json;
        Http.AssertError(await http.PutJsonAsync($"{P}/customers/undelete", new { user_id = Id(never) }, HttpStatusCode.Conflict),
            "user_not_deleted");
        Http.AssertError(await http.PutJsonAsync($"{P}/customers/undelete", new { user_id = ApiFixture.NewApplicationId() }, HttpStatusCode.NotFound),
            "user_not_found");

        var late = (await http.NewCustomerAsync(app)).Json;
        await (await http.DeleteAsync($"{P}/customers/{Id(late)}?reason=bye")).ExpectAsync(HttpStatusCode.OK);
        await MoveWindowToThePastAsync(Id(late));
        Http.AssertError(await http.PutJsonAsync($"{P}/customers/undelete", new { user_id = Id(late) }, HttpStatusCode.Conflict),
            "restore_window_passed");
    }

    [Fact]
    public async Task Erasure_after_the_window_removes_personal_data_once_and_frees_identifiers()
    {
        var http = await fixture.ClientAsync();
        var phone = Build.Phone();
        var email = $"{Build.Username()}@example.com";
        var user = (await http.NewCustomerAsync(app, Build.User(phone: phone, email: email))).Json;
        await (await http.DeleteAsync($"{P}/customers/{Id(user)}?reason=bye")).ExpectAsync(HttpStatusCode.OK);
        await MoveWindowToThePastAsync(Id(user));

        var erasure = fixture.Services.GetRequiredService<ErasureService>();
        Assert.True(await erasure.EraseDueAsync(CancellationToken.None) >= 1);
        var store = fixture.Services.GetRequiredService<IUserStore>();
        var erased = await store.FindByIdAsync(new Tenant("1001", app), Id(user), CancellationToken.None);
        Assert.NotNull(erased);
        Assert.Equal(UserState.Erased, erased.State);
        Assert.Empty(erased.Emails);
        Assert.Empty(erased.PhoneNumbers);
        Assert.Null(erased.FirstName);
        Assert.DoesNotContain(email, JsonSerializer.Serialize(erased), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, await erasure.EraseDueAsync(CancellationToken.None));
        var again = await store.FindByIdAsync(new Tenant("1001", app), Id(user), CancellationToken.None);
        Assert.Equal(erased.Version, again!.Version); // idempotent: erased once

        await TimelineAsync(http, Id(user), HttpStatusCode.NotFound);
        Http.AssertError(await http.PutJsonAsync($"{P}/customers/undelete", new { user_id = Id(user) }, HttpStatusCode.Conflict),
            "restore_window_passed");
        await http.NewCustomerAsync(app, Build.User(phone: phone, email: email));
    }

    [Fact]
    public async Task Lifecycle_guards_refuse_moves_from_the_wrong_state_and_repeats_change_nothing()
    {
        var http = await fixture.ClientAsync();
        var archived = (await http.NewCustomerAsync(app)).Json;
        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = Id(archived), reason = "closed" });
        // Re-archiving is a no-op: one archived event.
        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = Id(archived), reason = "again" });
        var types = (await TimelineAsync(http, Id(archived))).GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("type").GetString());
        Assert.Equal(["created", "archived"], types);

        // An archived user can be neither blocked, unblocked nor deleted.
        foreach (var status in new[] { false, true })
        {
            var refused = await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { Id(archived) }, status },
                HttpStatusCode.Conflict);
            Http.AssertError(refused, "user_not_live", "user_id");
        }

        var notDeleted = await (await http.DeleteAsync($"{P}/customers/{Id(archived)}?reason=bye")).ExpectAsync(HttpStatusCode.Conflict);
        Http.AssertError(notDeleted, "user_archived");

        // A deleted user can be neither archived nor blocked.
        var deleted = (await http.NewCustomerAsync(app)).Json;
        await (await http.DeleteAsync($"{P}/customers/{Id(deleted)}?reason=bye")).ExpectAsync(HttpStatusCode.OK);
        var notArchived = await http.PutJsonAsync($"{P}/customers/archive", new { user_id = Id(deleted) }, HttpStatusCode.Conflict);
        Http.AssertError(notArchived, "user_deleted");
        var notBlocked = await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { Id(deleted) }, status = false },
            HttpStatusCode.Conflict);
        Http.AssertError(notBlocked, "user_not_live", "user_id");
        types = (await TimelineAsync(http, Id(deleted))).GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("type").GetString());
        Assert.Equal(["created", "deleted"], types);
    }

    [Fact]
    public async Task Lifecycle_routes_check_tokens()
    {
        var http = await fixture.ClientAsync();
        var user = (await http.NewCustomerAsync(app)).Json;
        var other = await fixture.ClientAsync(TestClients.OtherCompany);
        await other.PutJsonAsync($"{P}/customers/archive", new { user_id = Id(user) }, HttpStatusCode.Forbidden);
        await other.GetJsonAsync($"{P}/customers/{Id(user)}/timeline", HttpStatusCode.Forbidden);
        var readOnly = await fixture.ClientAsync(TestClients.ReadOnly);
        await readOnly.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { Id(user) }, status = false }, HttpStatusCode.Forbidden);
        await readOnly.GetJsonAsync($"{P}/customers/{Id(user)}/timeline");
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Anonymous().DeleteAsync($"{P}/customers/{Id(user)}?reason=x")).StatusCode);
    }

    /// <summary>Puts a deleted user's delete_on in the past through the store, as if the window had elapsed.</summary>
    private async Task MoveWindowToThePastAsync(string userId)
    {
        var store = fixture.Services.GetRequiredService<IUserStore>();
        var user = (await store.FindByIdAsync(new Tenant("1001", app), userId, CancellationToken.None))!;
        var version = user.Version;
        user.DeleteOn = DateTime.UtcNow.AddMinutes(-1);
        user.Version++;
        Assert.True(await store.ReplaceAsync(user, version, CancellationToken.None));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteLifecycleApiTests(SqliteApiFixture fixture) : LifecycleApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoLifecycleApiTests(MongoApiFixture fixture) : LifecycleApiTests(fixture);
