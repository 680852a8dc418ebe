using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using UserAuth.Api.Features.PlatformConfig;
using UserAuth.Api.Features.Sessions;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Sessions.SessionApi;

namespace UserAuth.Tests.Sessions;

/// <summary>
/// A second service over the collection's store whose clock the tests move and whose login settings they choose.
/// Tokens come from the collection's service, so they are valid whatever this clock says.
/// </summary>
public sealed class ClockedServiceFixture<TApi>(TApi api) : IAsyncLifetime
    where TApi : ApiFixture
{
    private WebApplicationFactory<Program>? factory;

    public TApi Api { get; } = api;

    public TestClock Clock { get; } = new();

    internal TestLoginSettings LoginSettings { get; } = new();

    public IServiceProvider Services => Factory.Services;

    private WebApplicationFactory<Program> Factory => factory ?? throw new InvalidOperationException(Api.UnavailableReason);

    public ValueTask InitializeAsync()
    {
        if (Api.UnavailableReason is null)
        {
            factory = Api.Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(Clock);
                services.AddSingleton<ILoginSettings>(LoginSettings);
            }));
            _ = factory.Server;
        }

        return ValueTask.CompletedTask;
    }

    public async Task<HttpClient> ClientAsync(TestClient? client = null)
    {
        Api.RequireStore();
        return await Factory.CreateClient().WithTokenAsync(Api, client);
    }

    public async ValueTask DisposeAsync()
    {
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }
    }
}

/// <summary>Expiry, default lifetimes and rolling sessions, with a clock the tests control.</summary>
public abstract class SessionClockTests<TApi>(ClockedServiceFixture<TApi> service)
    where TApi : ApiFixture
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_expired_session_is_not_listed_verified_or_deletable()
    {
        var http = await service.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var shortLived = await http.CreateSessionAsync(app, user, new { max_age = 60 });
        var longLived = await http.CreateSessionAsync(app, user);
        Assert.Equal(2, (await http.ListAsync(app, user)).Count);

        service.Clock.Advance(TimeSpan.FromSeconds(61));

        var listed = Assert.Single(await http.ListAsync(app, user));
        Assert.Equal(longLived.GetProperty("session_id").GetString(), listed.GetProperty("session_id").GetString());
        await http.VerifyAsync(app, Cookie(shortLived), HttpStatusCode.NotFound);
        await http.DeleteSessionAsync(app, user, shortLived.GetProperty("session_id").GetString()!, status: HttpStatusCode.NotFound);
        var all = await http.DeleteAllAsync(app, user);
        Assert.Equal([longLived.GetProperty("session_id").GetString()],
            all.GetProperty("session_ids").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task Max_age_defaults_to_the_applications_session_duration()
    {
        var http = await service.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        service.LoginSettings.Set(app, new LoginSettings(TimeSpan.FromHours(2), SessionIsRolling: false, DeleteAccountDays: 7));
        var user = (await http.NewCustomerAsync(app)).Id;

        var created = await http.CreateSessionAsync(app, user);

        Assert.Equal(7200, created.GetProperty("max_age").GetInt64());
        var expected = service.Clock.GetUtcNow().UtcDateTime.AddHours(2);
        Assert.InRange(Instant(created.GetProperty("expires_at")), expected.AddSeconds(-30), expected.AddSeconds(1));
    }

    [Fact]
    public async Task A_rolling_session_moves_its_expiry_when_verified_at_most_once_a_minute()
    {
        var http = await service.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        service.LoginSettings.Set(app, new LoginSettings(TimeSpan.FromHours(1), SessionIsRolling: true, DeleteAccountDays: 7));
        var user = (await http.NewCustomerAsync(app)).Id;
        var created = await http.CreateSessionAsync(app, user);
        var cookie = Cookie(created);
        var createdExpiry = Instant(created.GetProperty("expires_at"));

        var soon = await http.VerifyAsync(app, cookie);
        Assert.Equal(createdExpiry, Instant(soon.GetProperty("expires_at")));

        service.Clock.Advance(TimeSpan.FromMinutes(10));
        var later = await http.VerifyAsync(app, cookie);
        var rolled = Instant(later.GetProperty("expires_at"));
        var expected = service.Clock.GetUtcNow().UtcDateTime.AddHours(1);
        Assert.InRange(rolled, expected.AddSeconds(-30), expected.AddSeconds(1));
        Assert.True(rolled >= createdExpiry.AddMinutes(9));
        var listed = Assert.Single(await http.ListAsync(app, user));
        Assert.Equal(rolled, Instant(listed.GetProperty("expire_in")));
    }

    [Fact]
    public async Task A_rolling_session_moves_once_a_full_minute_has_passed_and_not_a_second_earlier()
    {
        var http = await service.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        service.LoginSettings.Set(app, new LoginSettings(TimeSpan.FromHours(1), SessionIsRolling: true, DeleteAccountDays: 7));
        var user = (await http.NewCustomerAsync(app)).Id;
        var created = await http.CreateSessionAsync(app, user);
        var createdExpiry = Instant(created.GetProperty("expires_at"));

        service.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(createdExpiry, Instant((await http.VerifyAsync(app, Cookie(created))).GetProperty("expires_at")));

        // The test clock runs on from where it was moved: "a full minute" here is a minute and the few ms the requests took.
        service.Clock.Advance(TimeSpan.FromSeconds(1));
        var moved = Instant((await http.VerifyAsync(app, Cookie(created))).GetProperty("expires_at"));
        Assert.InRange(moved, createdExpiry.AddMinutes(1), createdExpiry.AddMinutes(1).AddSeconds(5));
        Assert.Equal(moved, Instant(Assert.Single(await http.ListAsync(app, user)).GetProperty("expire_in")));
    }

    [Fact]
    public async Task A_rolling_session_never_extends_beyond_its_own_max_age()
    {
        var http = await service.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        service.LoginSettings.Set(app, new LoginSettings(TimeSpan.FromDays(30), SessionIsRolling: true, DeleteAccountDays: 7));
        var user = (await http.NewCustomerAsync(app)).Id;
        var created = await http.CreateSessionAsync(app, user, new { max_age = 120 });

        service.Clock.Advance(TimeSpan.FromSeconds(90));
        var verified = await http.VerifyAsync(app, Cookie(created));

        var expected = service.Clock.GetUtcNow().UtcDateTime.AddSeconds(120);
        Assert.InRange(Instant(verified.GetProperty("expires_at")), expected.AddSeconds(-5), expected.AddSeconds(1));
        Assert.InRange(Instant(Assert.Single(await http.ListAsync(app, user)).GetProperty("expire_in")),
            expected.AddSeconds(-5), expected.AddSeconds(1));
    }

    [Fact]
    public async Task A_read_only_token_verifies_a_rolling_session_without_extending_it()
    {
        var http = await service.ClientAsync();
        var reader = await service.ClientAsync(TestClients.ReadOnly);
        var app = ApiFixture.NewApplicationId();
        service.LoginSettings.Set(app, new LoginSettings(TimeSpan.FromHours(1), SessionIsRolling: true, DeleteAccountDays: 7));
        var user = (await http.NewCustomerAsync(app)).Id;
        var created = await http.CreateSessionAsync(app, user);

        service.Clock.Advance(TimeSpan.FromMinutes(10));
        var read = await reader.VerifyAsync(app, Cookie(created));
        var listed = Assert.Single(await http.ListAsync(app, user));
        var written = await http.VerifyAsync(app, Cookie(created));

        Assert.Equal(created.GetProperty("expires_at").GetString(), read.GetProperty("expires_at").GetString());
        Assert.Equal(created.GetProperty("expires_at").GetString(), listed.GetProperty("expire_in").GetString());
        Assert.True(Instant(written.GetProperty("expires_at")) > Instant(created.GetProperty("expires_at")).AddMinutes(9));
    }

    [Fact]
    public async Task A_non_rolling_session_keeps_its_expiry()
    {
        var http = await service.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        service.LoginSettings.Set(app, new LoginSettings(TimeSpan.FromHours(1), SessionIsRolling: false, DeleteAccountDays: 7));
        var user = (await http.NewCustomerAsync(app)).Id;
        var created = await http.CreateSessionAsync(app, user);

        service.Clock.Advance(TimeSpan.FromMinutes(5));
        var verified = await http.VerifyAsync(app, Cookie(created));

        Assert.Equal(created.GetProperty("expires_at").GetString(), verified.GetProperty("expires_at").GetString());
    }

    [Fact]
    public async Task The_sweeper_removes_expired_sessions_revoked_or_not_and_keeps_the_others()
    {
        var http = await service.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var expiring = await http.CreateSessionAsync(app, user, new { max_age = 30 });
        var revoked = await http.CreateSessionAsync(app, user, new { max_age = 30 });
        var kept = await http.CreateSessionAsync(app, user);
        await http.DeleteSessionAsync(app, user, revoked.GetProperty("session_id").GetString()!);
        var sweeper = service.Services.GetServices<IHostedService>().OfType<ExpiredSessionSweeper>().Single();
        Assert.True(await RawSessions.ExistsAsync(service.Services, revoked.GetProperty("session_id").GetString()!),
            "a revoked session is kept until it expires");

        service.Clock.Advance(TimeSpan.FromSeconds(31));
        var removed = await sweeper.SweepAsync(Ct);

        Assert.True(removed >= 2, $"removed {removed}");
        Assert.False(await RawSessions.ExistsAsync(service.Services, expiring.GetProperty("session_id").GetString()!));
        Assert.False(await RawSessions.ExistsAsync(service.Services, revoked.GetProperty("session_id").GetString()!));
        Assert.True(await RawSessions.ExistsAsync(service.Services, kept.GetProperty("session_id").GetString()!));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteSessionClockTests(ClockedServiceFixture<SqliteApiFixture> service)
    : SessionClockTests<SqliteApiFixture>(service), IClassFixture<ClockedServiceFixture<SqliteApiFixture>>;

[Collection(MongoCollection.Name)]
public sealed class MongoSessionClockTests(ClockedServiceFixture<MongoApiFixture> service)
    : SessionClockTests<MongoApiFixture>(service), IClassFixture<ClockedServiceFixture<MongoApiFixture>>;
