using System.Net;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Sessions.SessionApi;

namespace UserAuth.Tests.Sessions;

/// <summary>
/// Issue 10 item 2: session creates racing block, archive and delete, through two service instances over one store.
/// Whatever the interleaving, no session may be live for a user who cannot sign in, and no cookie answered to a racing
/// create may verify after the user is unblocked or restored.
/// </summary>
public abstract class SessionRaceTests(ApiFixture fixture)
{
    private const int Users = 30;
    private const int CreatesPerUser = 8;

    [Fact]
    public async Task Creates_racing_block_archive_or_delete_leave_no_live_session_and_no_cookie_that_verifies()
    {
        var first = await fixture.ClientAsync();
        await using var secondInstance = fixture.Factory.WithWebHostBuilder(_ => { });
        var second = await secondInstance.CreateClient().WithTokenAsync(fixture);
        HttpClient[] instances = [first, second];
        var app = ApiFixture.NewApplicationId();
        var users = await Task.WhenAll(Enumerable.Range(0, Users).Select(async _ => (await first.NewCustomerAsync(app)).Id));

        var cookies = new List<(string User, string Cookie)>[Users];
        await Task.WhenAll(Enumerable.Range(0, Users).Select(async i =>
        {
            var user = users[i];
            var creates = Enumerable.Range(0, CreatesPerUser).Select(async c =>
            {
                await Task.Delay(Random.Shared.Next(0, 4), TestContext.Current.CancellationToken);
                using var response = await instances[c % 2].PostAsync($"{Http.App(app)}/customers/session",
                    Http.Json(new { user_id = user, domain = Domain }), TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return Cookie(await response.ReadAsync());
                }

                // Refused because the user is already blocked, archived or deleted: the only other answer allowed.
                var body = await response.ExpectAsync(HttpStatusCode.Conflict);
                Assert.Contains(body.GetProperty("code").GetString(), new[] { "user_blocked", "user_not_live", "user_state_changed" });
                return null;
            }).ToList();
            await Task.Delay(Random.Shared.Next(0, 6), TestContext.Current.CancellationToken);
            var end = instances[i % 2];
            switch (i % 3)
            {
                case 0:
                    await end.PutJsonAsync($"{Http.App(app)}/customers/activation", new { user_id = new[] { user }, status = false });
                    break;
                case 1:
                    await end.PutJsonAsync($"{Http.App(app)}/customers/archive", new { user_id = user, reason = "race" });
                    break;
                default:
                    await end.DeleteAsync($"{Http.App(app)}/customers/{user}?reason=race");
                    break;
            }

            cookies[i] = (await Task.WhenAll(creates)).OfType<string>().Select(cookie => (user, cookie)).ToList();
        }));

        // Nothing is live while the users cannot sign in.
        foreach (var user in users)
        {
            Assert.Empty(await first.ListAsync(app, user));
        }

        // Give blocked and deleted users their access back: nothing from before may come back with it.
        for (var i = 0; i < Users; i++)
        {
            if (i % 3 == 0)
            {
                await second.PutJsonAsync($"{Http.App(app)}/customers/activation", new { user_id = new[] { users[i] }, status = true });
            }
            else if (i % 3 == 2)
            {
                await second.PutJsonAsync($"{Http.App(app)}/customers/undelete", new { user_id = users[i], reason = "race" });
            }
        }

        var live = new List<string>();
        foreach (var user in users)
        {
            live.AddRange((await first.ListAsync(app, user)).Select(s => $"{user}: session {s.GetProperty("session_id").GetString()}"));
        }

        foreach (var (user, cookie) in cookies.SelectMany(c => c))
        {
            using var verified = await instances[cookie.Length % 2].PostAsync($"{Http.App(app)}/customers/session/verify",
                Http.Json(new { cookie }), TestContext.Current.CancellationToken);
            if (verified.StatusCode != HttpStatusCode.NotFound)
            {
                live.Add($"{user}: a cookie answered {(int)verified.StatusCode}");
            }
        }

        Assert.True(live.Count == 0, $"{live.Count} sessions outlived the block/archive/delete they raced:\n{string.Join("\n", live)}");
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteSessionRaceTests(SqliteApiFixture fixture) : SessionRaceTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoSessionRaceTests(MongoApiFixture fixture) : SessionRaceTests(fixture);
