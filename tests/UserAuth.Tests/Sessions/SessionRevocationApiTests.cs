using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Sessions;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Sessions.SessionApi;

namespace UserAuth.Tests.Sessions;

/// <summary>
/// What each way of ending sessions counts (<c>userauth.sessions.revoked</c> by kind, read from one instance's own
/// meters), and the create that loses its race to a block or an erasure, made deterministic by a store that lets the
/// other writer act between the create's check of the user and its insert: answered 409 <c>user_state_changed</c>, the
/// session it wrote revoked (counted as <c>user_state</c>).
/// </summary>
public abstract class SessionRevocationApiTests(ApiFixture fixture)
{
    private const string StateChanged = "The user was blocked, archived or deleted while the session was being created.";

    private readonly string app = ApiFixture.NewApplicationId();

    [Fact]
    public async Task Ending_one_session_counts_one_and_ending_all_counts_each_session_ended()
    {
        fixture.RequireStore();
        await using var instance = fixture.Factory.WithWebHostBuilder(_ => { });
        using var revoked = new RevokedCounter(instance.Services);
        var http = await instance.CreateClient().WithTokenAsync(fixture);
        var user = await http.CreateUserAsync(app);
        var first = (await http.CreateSessionAsync(app, user)).GetProperty("session_id").GetString()!;
        await http.CreateSessionAsync(app, user);
        await http.CreateSessionAsync(app, user);

        await http.DeleteSessionAsync(app, user, first);
        Assert.Equal((1, 0, 0), (revoked["one"], revoked["all"], revoked["user_state"]));

        await http.DeleteAllAsync(app, user);
        Assert.Equal((1, 2, 0), (revoked["one"], revoked["all"], revoked["user_state"]));
    }

    [Fact]
    public async Task A_create_that_loses_its_race_to_a_block_is_409_and_its_session_is_revoked()
    {
        var http = await fixture.ClientAsync();
        var user = await http.CreateUserAsync(app);

        var (status, body, revoked) = await CreateRacingAsync(user, async () =>
            await http.PutJsonAsync($"{Http.App(app)}/customers/activation", new { user_id = new[] { user }, status = false }));

        Assert.Equal(HttpStatusCode.Conflict, status);
        Http.AssertError(body, "user_state_changed");
        Assert.Equal(StateChanged, body.GetProperty("message").GetString());
        Assert.Equal(1, revoked);

        // Unblocked, the user has no session from before.
        await http.PutJsonAsync($"{Http.App(app)}/customers/activation", new { user_id = new[] { user }, status = true });
        Assert.Empty(await http.ListAsync(app, user));
    }

    [Fact]
    public async Task A_create_that_loses_its_race_to_an_erasure_is_409_and_its_session_is_revoked()
    {
        var http = await fixture.ClientAsync();
        var user = await http.CreateUserAsync(app);
        var users = fixture.Services.GetRequiredService<IUserStore>();
        var tenant = new Tenant("1001", app);

        // The erasure job (another writer) erases the user once the session is inserted: the user is unknown now.
        var (status, body, revoked) = await CreateRacingAsync(user, async () =>
        {
            var stored = (await users.FindByIdAsync(tenant, user, TestContext.Current.CancellationToken))!;
            var version = stored.Version;
            stored.State = UserState.Erased;
            stored.Version++;
            Assert.True(await users.ReplaceAsync(stored, version, TestContext.Current.CancellationToken));
        });

        Assert.Equal(HttpStatusCode.Conflict, status);
        Http.AssertError(body, "user_state_changed");
        Assert.Equal(1, revoked);
    }

    /// <summary>
    /// A session create on a second instance whose session insert is followed by <paramref name="meanwhile"/>, before
    /// the create checks the user again; its answer and the sessions that instance counted as revoked for user state.
    /// </summary>
    private async Task<(HttpStatusCode Status, System.Text.Json.JsonElement Body, long Revoked)> CreateRacingAsync(string user,
        Func<Task> meanwhile)
    {
        fixture.RequireStore();
        var once = meanwhile;
        // Just before the insert: the create's first check of the user has passed, its check after the insert has not.
        await using var racing = RacingStore.InstanceOver<ISessionStore>(fixture, store =>
            RacingStore.Over(store, (nameof(ISessionStore.InsertAsync), async () =>
            {
                if (Interlocked.Exchange(ref once, null) is { } change)
                {
                    await change();
                }
            })));
        using var revoked = new RevokedCounter(racing.Services);
        var http = await racing.CreateClient().WithTokenAsync(fixture);
        using var response = await http.PostAsync($"{Http.App(app)}/customers/session", Http.Json(new { user_id = user, domain = Domain }),
            TestContext.Current.CancellationToken);
        var body = await response.ReadJsonAsync();
        return (response.StatusCode, body, revoked["user_state"]);
    }

    /// <summary>Sessions revoked by kind, counted from one instance's meters only (other instances run in parallel).</summary>
    private sealed class RevokedCounter : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly ConcurrentDictionary<string, long> counts = new();

        public RevokedCounter(IServiceProvider services)
        {
            var meters = services.GetRequiredService<IMeterFactory>();
            // Resolving the metrics creates the instance's meter, so the listener sees it published.
            services.GetRequiredService<ServiceMetrics>();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "userauth.sessions.revoked" && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "kind")
                    {
                        counts.AddOrUpdate((string)tag.Value!, value, (_, count) => count + value);
                    }
                }
            });
            listener.Start();
        }

        public long this[string kind] => counts.GetValueOrDefault(kind);

        public void Dispose() => listener.Dispose();
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteSessionRevocationApiTests(SqliteApiFixture fixture) : SessionRevocationApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoSessionRevocationApiTests(MongoApiFixture fixture) : SessionRevocationApiTests(fixture);
