using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Audit;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Audit;

/// <summary>The <see cref="IAuditStore"/> contract, run against every adapter.</summary>
public abstract class AuditStoreContractTests(ApiFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Tenant tenant = new("1001", ApiFixture.NewApplicationId());

    private IAuditStore Store
    {
        get
        {
            fixture.RequireStore();
            return fixture.Services.GetRequiredService<IAuditStore>();
        }
    }

    private static DateTime At(int second) => new(2026, 1, 1, 0, 0, second, DateTimeKind.Utc);

    private AuditEntry Request(string user, int second, DateTime? expires = null) => new()
    {
        Id = Ids.New(), CompanyId = tenant.CompanyId, ApplicationId = tenant.ApplicationId, UserId = user, At = At(second),
        ExpiresAt = expires ?? DateTime.UtcNow.AddDays(1), ClientId = "client", Method = "PUT", Operation = "updateUser",
        RequestId = "req-" + second, Status = 200,
        Resources = [new AuditResource("user_id", user)],
        Changes = [new AuditChange("first_name", AuditEntry.Masked), new AuditChange("gender", "female")],
    };

    private AuditEntry Event(string user, int second, string? subTitle = "why") => new()
    {
        Id = Ids.New(), CompanyId = tenant.CompanyId, ApplicationId = tenant.ApplicationId, Kind = AuditKinds.Event,
        UserId = user, At = At(second), EventType = "blocked", Title = "Account blocked", SubTitle = subTitle,
    };

    [Fact]
    public async Task Records_read_back_whole_newest_first_per_application_and_per_user_and_page()
    {
        var (a, b) = (Ids.New(), Ids.New());
        var first = Request(a, 1);
        await Store.AppendAsync([first, Request(b, 2), Request(a, 3), Request("", 4)], None);
        await Store.AppendAsync([first], None); // appended twice: one record

        var all = await Store.ListAsync(tenant, AuditKinds.Request, null, 0, 10, None);
        Assert.Equal(4, all.Total);
        Assert.Equal([4, 3, 2, 1], all.Items.Select(e => e.At.Second));
        var ofA = await Store.ListAsync(tenant, AuditKinds.Request, a, 0, 10, None);
        Assert.Equal([3, 1], ofA.Items.Select(e => e.At.Second));
        var page = await Store.ListAsync(tenant, AuditKinds.Request, null, 1, 2, None);
        Assert.Equal(4, page.Total);
        Assert.Equal([3, 2], page.Items.Select(e => e.At.Second));

        var read = ofA.Items[1];
        Assert.Equal((first.Id, "client", "PUT", "updateUser", "req-1", 200), (read.Id, read.ClientId, read.Method, read.Operation, read.RequestId, read.Status));
        Assert.Equal(first.Resources, read.Resources);
        Assert.Equal(first.Changes, read.Changes);
        Assert.Equal(DateTimeKind.Utc, read.At.Kind);
        Assert.Empty((await Store.ListAsync(new Tenant("2002", tenant.ApplicationId), AuditKinds.Request, null, 0, 10, None)).Items);
    }

    [Fact]
    public async Task Events_are_a_users_oldest_first_and_erasure_clears_their_reasons()
    {
        var user = Ids.New();
        await Store.AppendAsync([Event(user, 5), Event(user, 2, null), Event(Ids.New(), 3), Request(user, 4)], None);

        var events = await Store.EventsOfAsync(tenant, user, None);
        Assert.Equal([2, 5], events.Select(e => e.At.Second));
        Assert.Equal(("blocked", "Account blocked", "why", true), (events[1].EventType, events[1].Title, events[1].SubTitle, events[1].Visible));
        Assert.Null(events[0].SubTitle);

        await Store.ClearEventSubTitlesAsync(tenant, user, None);
        Assert.All(await Store.EventsOfAsync(tenant, user, None), e => Assert.Null(e.SubTitle));
    }

    [Fact]
    public async Task Expired_requests_are_deleted_by_the_sweep_where_the_store_does_not_expire_them_itself()
    {
        var user = Ids.New();
        await Store.AppendAsync([Request(user, 1, DateTime.UtcNow.AddDays(-1)), Request(user, 2), Event(user, 3)], None);
        if (Store.ExpiresByItself)
        {
            Assert.Equal(0, await Store.DeleteExpiredAsync(DateTime.UtcNow, 100, None));
            return;
        }

        Assert.True(await Store.DeleteExpiredAsync(DateTime.UtcNow, 100, None) >= 1);
        Assert.Equal([2], (await Store.ListAsync(tenant, AuditKinds.Request, user, 0, 10, None)).Items.Select(e => e.At.Second));
        Assert.Single(await Store.EventsOfAsync(tenant, user, None));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteAuditStoreContractTests(SqliteApiFixture fixture) : AuditStoreContractTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoAuditStoreContractTests(MongoApiFixture fixture) : AuditStoreContractTests(fixture);
