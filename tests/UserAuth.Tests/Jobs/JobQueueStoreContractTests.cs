using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Common.Jobs;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Jobs;

/// <summary>The <see cref="IJobQueueStore"/> and <see cref="IErrorReportStore"/> contracts, run against every adapter.</summary>
public abstract class JobStoresContractTests(ApiFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Tenant tenant = new("1001", ApiFixture.NewApplicationId());

    // A kind of the test's own (the class's tests share a database, with no worker): jobs another test left are never
    // claimed or counted here.
    private readonly string kind = "contract_" + Guid.NewGuid().ToString("N")[..8];

    private IJobQueueStore Queue
    {
        get
        {
            fixture.RequireStore();
            return fixture.Services.GetRequiredService<IJobQueueStore>();
        }
    }

    private IErrorReportStore Reports
    {
        get
        {
            fixture.RequireStore();
            return fixture.Services.GetRequiredService<IErrorReportStore>();
        }
    }

    private static DateTime Now
    {
        get
        {
            var now = DateTime.UtcNow;
            return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        }
    }

    private async Task<QueuedJob> EnqueueAsync(string subject, DateTime at)
    {
        var job = new QueuedJob
        {
            Kind = kind, CompanyId = tenant.CompanyId, ApplicationId = tenant.ApplicationId, SubjectId = subject,
            RunId = Ids.New(), AvailableAt = at, EnqueuedAt = at,
        };
        await Queue.EnqueueAsync(job, None);
        return job;
    }

    [Fact]
    public async Task A_claim_holds_until_its_lease_ends_then_another_owner_takes_over_with_the_checkpoint()
    {
        var now = Now;
        var job = await EnqueueAsync("s1", now);

        var claimed = await Queue.ClaimAsync([kind], "a", now, now.AddSeconds(30), None);
        Assert.NotNull(claimed);
        Assert.Equal(job.Id, claimed.Id);
        Assert.Equal(job.RunId, claimed.RunId);
        Assert.Equal(1, claimed.Attempts);
        Assert.Equal("a", claimed.LeaseOwner);
        Assert.Equal(tenant, claimed.Tenant);

        Assert.Null(await Queue.ClaimAsync([kind], "b", now.AddSeconds(10), now.AddSeconds(40), None));
        Assert.True(await Queue.RenewAsync(job.Id, "a", now.AddSeconds(30), 500, None));
        Assert.False(await Queue.RenewAsync(job.Id, "b", now.AddSeconds(30), 900, None));

        // "a" stops renewing (a crash): after its lease, "b" takes the job over, with a's checkpoint.
        var taken = await Queue.ClaimAsync([kind], "b", now.AddSeconds(31), now.AddSeconds(61), None);
        Assert.NotNull(taken);
        Assert.Equal(2, taken.Attempts);
        Assert.Equal(500, taken.Checkpoint);
        Assert.False(await Queue.RenewAsync(job.Id, "a", now.AddSeconds(90), 600, None));
        Assert.False(await Queue.CompleteAsync(job.Id, "a", None));
        Assert.True(await Queue.CompleteAsync(job.Id, "b", None));
        Assert.Empty(await Queue.FindBySubjectAsync(kind, tenant, "s1", None));
    }

    [Fact]
    public async Task Only_available_jobs_of_the_given_kinds_are_claimed_oldest_first()
    {
        var now = Now;
        var later = await EnqueueAsync("later", now.AddSeconds(60));
        var second = await EnqueueAsync("second", now.AddSeconds(-5));
        var first = await EnqueueAsync("first", now.AddSeconds(-10));
        Assert.Null(await Queue.ClaimAsync(["another_kind"], "a", now, now.AddSeconds(30), None));
        var stats = await Queue.StatsAsync([kind, "another_kind"], None);
        Assert.Equal((3L, now.AddSeconds(-10)), stats[kind]);
        Assert.False(stats.ContainsKey("another_kind"));
        Assert.Equal(first.Id, (await Queue.ClaimAsync([kind], "a", now, now.AddSeconds(300), None))?.Id);
        Assert.Equal(second.Id, (await Queue.ClaimAsync([kind], "a", now, now.AddSeconds(300), None))?.Id);
        Assert.Null(await Queue.ClaimAsync([kind], "a", now, now.AddSeconds(300), None));
        Assert.Equal(later.Id, (await Queue.ClaimAsync([kind], "a", now.AddSeconds(61), now.AddSeconds(90), None))?.Id);
    }

    [Fact]
    public async Task A_released_job_comes_back_at_its_retry_time_keeping_its_checkpoint()
    {
        var now = Now;
        var job = await EnqueueAsync("s", now);
        await Queue.ClaimAsync([kind], "a", now, now.AddSeconds(30), None);
        Assert.True(await Queue.RenewAsync(job.Id, "a", now.AddSeconds(30), 42, None));
        Assert.True(await Queue.ReleaseAsync(job.Id, "a", now.AddSeconds(5), "boom", None));
        Assert.False(await Queue.ReleaseAsync(job.Id, "a", now.AddSeconds(5), "again", None));
        var stored = Assert.Single(await Queue.FindBySubjectAsync(kind, tenant, "s", None));
        Assert.Null(stored.LeaseOwner);
        Assert.Equal("boom", stored.LastError);
        Assert.Null(await Queue.ClaimAsync([kind], "b", now.AddSeconds(4), now.AddSeconds(30), None));
        var again = await Queue.ClaimAsync([kind], "b", now.AddSeconds(5), now.AddSeconds(30), None);
        Assert.Equal(42, again?.Checkpoint);
        Assert.Equal(2, again?.Attempts);
    }

    [Fact]
    public async Task Racing_claims_give_a_job_to_one_owner_only()
    {
        var now = Now;
        await EnqueueAsync("race", now);
        var claims = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Task.Run(() => Queue.ClaimAsync([kind], $"owner{i}", now, now.AddSeconds(30), None))));
        Assert.Single(claims, c => c is not null);
    }

    [Fact]
    public async Task Error_rows_written_twice_count_once_and_read_in_row_order_within_their_tenant()
    {
        var report = Ids.New();
        var rows = Enumerable.Range(1, 25).Select(i => new ErrorReportRow(i * 2, $"row {i},add", "no live user")).ToList();
        await Reports.AppendAsync(tenant, report, rows.Take(15).ToList(), None);
        await Reports.AppendAsync(tenant, report, rows.Skip(10).ToList(), None); // rows 11-15 again, as after a crash
        Assert.Equal(25, await Reports.CountAsync(tenant, report, None));
        var page = await Reports.ReadAsync(tenant, report, 10, 5, None);
        Assert.Equal(new long[] { 12, 14, 16, 18, 20 }, page.Select(r => r.RowNumber));
        Assert.Equal("row 6,add", page[0].Row);
        Assert.Equal("no live user", page[0].Reason);

        var otherTenant = new Tenant("1001", ApiFixture.NewApplicationId());
        Assert.Equal(0, await Reports.CountAsync(otherTenant, report, None));
        Assert.Empty(await Reports.ReadAsync(otherTenant, report, 0, 10, None));

        await Reports.DeleteAsync(tenant, report, None);
        Assert.Equal(0, await Reports.CountAsync(tenant, report, None));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteJobStoresContractTests(SqliteStoreFixture fixture) : JobStoresContractTests(fixture), IClassFixture<SqliteStoreFixture>;

[Collection(MongoCollection.Name)]
public sealed class MongoJobStoresContractTests(MongoStoreFixture fixture) : JobStoresContractTests(fixture), IClassFixture<MongoStoreFixture>;
