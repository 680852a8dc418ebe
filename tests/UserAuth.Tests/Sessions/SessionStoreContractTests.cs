using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;
using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Sessions;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Sessions;

/// <summary>The stored form of a session, read around the port: what an auditor (or an attacker with the data) sees.</summary>
internal sealed record RawSession(string Id, bool IdIsObjectId, string SidHash, string? RevokedBy, string? RevokeReason,
    DateTime? RevokedAt, string Text);

internal static class RawSessions
{
    public static async Task<RawSession?> ReadAsync(IServiceProvider services, string id)
    {
        if (services.GetService<SqliteDatabase>() is { } sqlite)
        {
            await using var connection = await sqlite.OpenAsync(CancellationToken.None);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, sid_hash, revoked_by, revoke_reason, revoked_at, * FROM user_sessions WHERE id = $id;";
            command.Parameters.AddWithValue("$id", id);
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                return null;
            }

            var text = string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : reader.GetValue(i).ToString()));
            return new RawSession(reader.GetString(0), false, reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : DateTime.Parse(reader.GetString(4), System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.AdjustToUniversal),
                text);
        }

        var mongo = services.GetRequiredService<MongoDatabaseProvider>();
        var document = await mongo.Database.GetCollection<BsonDocument>("user_sessions")
            .Find(new BsonDocument("_id", ObjectId.Parse(id))).FirstOrDefaultAsync();
        return document is null
            ? null
            : new RawSession(document["_id"].ToString()!, document["_id"].IsObjectId, document["sid_hash"].AsString,
                document.GetValue("revoked_by", BsonNull.Value) is { IsString: true } by ? by.AsString : null,
                document.GetValue("revoke_reason", BsonNull.Value) is { IsString: true } reason ? reason.AsString : null,
                document.GetValue("revoked_at", BsonNull.Value) is { IsValidDateTime: true } at ? at.ToUniversalTime() : null,
                document.ToJson());
    }

    public static async Task<bool> ExistsAsync(IServiceProvider services, string id) => await ReadAsync(services, id) is not null;
}

/// <summary>The <see cref="ISessionStore"/> contract, run against every adapter.</summary>
public abstract class SessionStoreContractTests(ApiFixture fixture)
{
    private static readonly DateTime Now = new(2031, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ISessionStore Store
    {
        get
        {
            fixture.RequireStore();
            return fixture.Services.GetRequiredService<ISessionStore>();
        }
    }

    private static Tenant NewTenant() => new("1001", ApiFixture.NewApplicationId());

    private static UserSession NewSession(Tenant tenant, string userId, DateTime? createdAt = null, TimeSpan? lifetime = null)
    {
        var created = createdAt ?? Now.AddMinutes(-5);
        return new UserSession
        {
            Id = Ids.New(),
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            UserId = userId,
            SidHash = SessionCookies.Hash(SessionCookies.NewSid()),
            Domain = "shop.example.com",
            Ip = "192.0.2.1",
            UserAgent = "tests",
            MaxAge = (long)(lifetime ?? TimeSpan.FromDays(1)).TotalSeconds,
            CreatedAt = created,
            ExpiresAt = created + (lifetime ?? TimeSpan.FromDays(1)),
            UserEpoch = 3,
        };
    }

    private async Task<UserSession> InsertAsync(Tenant tenant, string userId, DateTime? createdAt = null, TimeSpan? lifetime = null)
    {
        var session = NewSession(tenant, userId, createdAt, lifetime);
        await Store.InsertAsync(session, Ct);
        return session;
    }

    private static SessionRevocation Revocation(DateTime? at = null) => new(Ids.New(), at ?? Now, "tests-client", "because");

    [Fact]
    public async Task Finds_a_live_session_by_sid_hash_in_its_tenant_only()
    {
        var tenant = NewTenant();
        var session = await InsertAsync(tenant, Ids.New());

        var found = await Store.FindLiveBySidHashAsync(tenant, session.SidHash, Now, Ct);

        Assert.NotNull(found);
        Assert.Equal(session.Id, found.Id);
        Assert.Equal(session.UserId, found.UserId);
        Assert.Equal(session.Domain, found.Domain);
        Assert.Equal(session.Ip, found.Ip);
        Assert.Equal(session.UserAgent, found.UserAgent);
        Assert.Equal(session.MaxAge, found.MaxAge);
        Assert.Equal(3, found.UserEpoch);
        Assert.Equal(session.CreatedAt, found.CreatedAt);
        Assert.Equal(session.ExpiresAt, found.ExpiresAt);
        Assert.Equal(DateTimeKind.Utc, found.ExpiresAt.Kind);
        Assert.Null(found.RevokedAt);
        Assert.Null(await Store.FindLiveBySidHashAsync(NewTenant(), session.SidHash, Now, Ct));
        Assert.Null(await Store.FindLiveBySidHashAsync(new Tenant("2002", tenant.ApplicationId), session.SidHash, Now, Ct));
        Assert.Null(await Store.FindLiveBySidHashAsync(tenant, SessionCookies.Hash("unknown"), Now, Ct));
    }

    [Fact]
    public async Task An_expired_or_revoked_session_is_not_found()
    {
        var tenant = NewTenant();
        var user = Ids.New();
        var expiring = await InsertAsync(tenant, user, lifetime: TimeSpan.FromMinutes(10));
        var revoked = await InsertAsync(tenant, user);
        Assert.True(await Store.RevokeAsync(tenant, user, revoked.Id, Revocation(), Ct));

        Assert.NotNull(await Store.FindLiveBySidHashAsync(tenant, expiring.SidHash, expiring.ExpiresAt.AddMilliseconds(-1), Ct));
        Assert.Null(await Store.FindLiveBySidHashAsync(tenant, expiring.SidHash, expiring.ExpiresAt, Ct));
        Assert.Null(await Store.FindLiveBySidHashAsync(tenant, revoked.SidHash, Now, Ct));
    }

    [Fact]
    public async Task Lists_a_users_live_sessions_newest_first_within_the_limit()
    {
        var tenant = NewTenant();
        var user = Ids.New();
        var oldest = await InsertAsync(tenant, user, Now.AddMinutes(-30));
        var middle = await InsertAsync(tenant, user, Now.AddMinutes(-20));
        var newest = await InsertAsync(tenant, user, Now.AddMinutes(-10));
        await InsertAsync(tenant, user, Now.AddHours(-2), TimeSpan.FromHours(1));
        var revoked = await InsertAsync(tenant, user, Now.AddMinutes(-5));
        await Store.RevokeAsync(tenant, user, revoked.Id, Revocation(), Ct);
        await InsertAsync(tenant, Ids.New());
        await InsertAsync(NewTenant(), user);

        var all = await Store.ListLiveAsync(tenant, user, Now, 10, Ct);
        var limited = await Store.ListLiveAsync(tenant, user, Now, 2, Ct);

        Assert.Equal([newest.Id, middle.Id, oldest.Id], all.Select(s => s.Id));
        Assert.Equal([newest.Id, middle.Id], limited.Select(s => s.Id));
    }

    [Fact]
    public async Task Revoke_ends_one_live_session_of_that_user_once_and_records_who_when_why()
    {
        var tenant = NewTenant();
        var user = Ids.New();
        var session = await InsertAsync(tenant, user);
        var expired = await InsertAsync(tenant, user, Now.AddHours(-2), TimeSpan.FromHours(1));
        var revocation = Revocation();

        Assert.False(await Store.RevokeAsync(tenant, Ids.New(), session.Id, revocation, Ct));
        Assert.False(await Store.RevokeAsync(NewTenant(), user, session.Id, revocation, Ct));
        Assert.False(await Store.RevokeAsync(tenant, user, expired.Id, revocation, Ct));
        Assert.True(await Store.RevokeAsync(tenant, user, session.Id, revocation, Ct));
        Assert.False(await Store.RevokeAsync(tenant, user, session.Id, Revocation(), Ct));

        var raw = await RawSessions.ReadAsync(fixture.Services, session.Id);
        Assert.NotNull(raw);
        Assert.Equal("tests-client", raw.RevokedBy);
        Assert.Equal("because", raw.RevokeReason);
        Assert.Equal(Now, raw.RevokedAt);
        Assert.Equal([session.Id], await Store.FindIdsByRevocationAsync(tenant, user, revocation.Id, Ct));
    }

    [Fact]
    public async Task RevokeAll_ends_every_live_session_of_the_user_in_one_write_and_marks_them()
    {
        var tenant = NewTenant();
        var user = Ids.New();
        var live = new[] { await InsertAsync(tenant, user), await InsertAsync(tenant, user), await InsertAsync(tenant, user) };
        var expired = await InsertAsync(tenant, user, Now.AddHours(-2), TimeSpan.FromHours(1));
        var earlier = await InsertAsync(tenant, user);
        await Store.RevokeAsync(tenant, user, earlier.Id, Revocation(), Ct);
        var othersSession = await InsertAsync(tenant, Ids.New());
        var otherTenants = await InsertAsync(NewTenant(), user);
        var revocation = Revocation();

        var count = await Store.RevokeAllAsync(tenant, user, revocation, Ct);
        var again = await Store.RevokeAllAsync(tenant, user, Revocation(), Ct);

        Assert.Equal(3, count);
        Assert.Equal(0, again);
        Assert.Equal(live.Select(s => s.Id).Order(), (await Store.FindIdsByRevocationAsync(tenant, user, revocation.Id, Ct)).Order());
        Assert.Empty(await Store.ListLiveAsync(tenant, user, Now, 10, Ct));
        Assert.Null((await RawSessions.ReadAsync(fixture.Services, expired.Id))!.RevokedAt);
        Assert.Single(await Store.ListLiveAsync(tenant, othersSession.UserId, Now, 10, Ct));
        Assert.NotNull(await Store.FindLiveBySidHashAsync(new Tenant(otherTenants.CompanyId, otherTenants.ApplicationId),
            otherTenants.SidHash, Now, Ct));
    }

    [Fact]
    public async Task Extend_only_moves_a_live_sessions_expiry_forward()
    {
        var tenant = NewTenant();
        var user = Ids.New();
        var session = await InsertAsync(tenant, user);
        var revoked = await InsertAsync(tenant, user);
        await Store.RevokeAsync(tenant, user, revoked.Id, Revocation(), Ct);
        var later = session.ExpiresAt.AddHours(1);

        Assert.False(await Store.ExtendAsync(tenant, session.Id, session.ExpiresAt.AddHours(-1), Now, Ct));
        Assert.False(await Store.ExtendAsync(NewTenant(), session.Id, later, Now, Ct));
        Assert.False(await Store.ExtendAsync(tenant, revoked.Id, later, Now, Ct));
        Assert.False(await Store.ExtendAsync(tenant, session.Id, later.AddDays(5), session.ExpiresAt, Ct));
        Assert.True(await Store.ExtendAsync(tenant, session.Id, later, Now, Ct));
        Assert.False(await Store.ExtendAsync(tenant, session.Id, later, Now, Ct));

        Assert.Equal(later, (await Store.FindLiveBySidHashAsync(tenant, session.SidHash, Now, Ct))!.ExpiresAt);
    }

    [Fact]
    public async Task DeleteExpired_removes_expired_sessions_revoked_or_not_in_batches()
    {
        // DeleteExpired spans every application: the test counts what it removes in an empty database of its own. It is
        // dated in the future of the wall clock: a real MongoDB's TTL monitor removes sessions expired in real time.
        await using var own = await ApiFixture.FreshStoreAsync(fixture);
        var store = own.Services.GetRequiredService<ISessionStore>();
        var tenant = NewTenant();
        var user = Ids.New();
        for (var i = 0; i < 4; i++)
        {
            await store.InsertAsync(NewSession(tenant, user, Now.AddHours(-2).AddMinutes(i), TimeSpan.FromHours(1)), Ct);
        }

        var revoked = NewSession(tenant, user, Now.AddHours(-2).AddMinutes(10), TimeSpan.FromHours(1));
        await store.InsertAsync(revoked, Ct);
        Assert.True(await store.RevokeAsync(tenant, user, revoked.Id, Revocation(Now.AddHours(-2).AddMinutes(30)), Ct));
        await store.InsertAsync(NewSession(tenant, user, Now.AddMinutes(-1), TimeSpan.FromHours(1)), Ct);

        var first = await store.DeleteExpiredAsync(Now, 3, Ct);
        var second = await store.DeleteExpiredAsync(Now, 3, Ct);
        var third = await store.DeleteExpiredAsync(Now, 3, Ct);
        var live = await store.DeleteExpiredAsync(Now.AddHours(2), 10, Ct);

        Assert.Equal(3, first);
        Assert.Equal(2, second);
        Assert.Equal(0, third);
        Assert.Equal(1, live); // the session still live at Now was kept until it expired
    }

    [Fact]
    public async Task Stores_the_sid_hash_never_the_sid_and_a_public_object_id()
    {
        var tenant = NewTenant();
        var sid = SessionCookies.NewSid();
        var session = NewSession(tenant, Ids.New());
        session.SidHash = SessionCookies.Hash(sid);
        await Store.InsertAsync(session, Ct);

        var raw = await RawSessions.ReadAsync(fixture.Services, session.Id);

        Assert.NotNull(raw);
        Assert.Equal(SessionCookies.Hash(sid), raw.SidHash);
        Assert.DoesNotContain(sid, raw.Text, StringComparison.Ordinal);
        Assert.Equal(fixture.Store == StoreKind.MongoDb, raw.IdIsObjectId);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteSessionStoreContractTests(SqliteStoreFixture fixture) : SessionStoreContractTests(fixture), IClassFixture<SqliteStoreFixture>;

[Collection(MongoCollection.Name)]
public sealed class MongoSessionStoreContractTests(MongoStoreFixture fixture) : SessionStoreContractTests(fixture), IClassFixture<MongoStoreFixture>;
