using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.BulkJobs;
using UserAuth.Api.Features.Customers;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.BulkJobs;

/// <summary>The <see cref="IBulkJobStore"/> port's contract and the user store's bulk methods, run against every adapter.</summary>
public abstract class BulkJobStoreContractTests(ApiFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Tenant tenant = new("1001", ApiFixture.NewApplicationId());

    private IBulkJobStore Jobs
    {
        get
        {
            fixture.RequireStore();
            return fixture.Services.GetRequiredService<IBulkJobStore>();
        }
    }

    private IUserStore Users => fixture.Services.GetRequiredService<IUserStore>();

    private BulkJob NewJob(string action = JobAction.Import, string status = JobStatus.Completed, string format = JobFileFormat.Csv,
        string name = "users.csv", DateTime? createdAt = null, Tenant? where = null)
    {
        var t = where ?? tenant;
        var at = Build.Millis(createdAt ?? DateTime.UtcNow);
        return new BulkJob
        {
            Id = Ids.New(),
            CompanyId = t.CompanyId,
            ApplicationId = t.ApplicationId,
            ActionType = action,
            Status = status,
            FileFormat = format,
            FileName = name,
            CreatedBy = "tests",
            Filter = new ExportFilter { Search = "ada", CreatedFrom = at.AddDays(-1) },
            SnapshotAt = at,
            CreatedAt = at,
            UpdatedAt = at,
        };
    }

    [Fact]
    public async Task A_job_reads_back_whole_and_only_in_its_tenant()
    {
        var job = NewJob(action: JobAction.Export);
        job.Total = 5;
        job.CursorCreatedAt = job.CreatedAt;
        job.CursorId = Ids.New();
        await Jobs.InsertAsync(job, None);

        var read = await Jobs.FindAsync(tenant, job.Id, None);
        Assert.NotNull(read);
        Assert.Equal(job.CreatedAt, read.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, read.CreatedAt.Kind);
        Assert.Equal(5, read.Total);
        Assert.Equal("ada", read.Filter!.Search);
        Assert.Equal(job.Filter!.CreatedFrom, read.Filter.CreatedFrom);
        Assert.Equal(job.CursorId, read.CursorId);
        Assert.Null(await Jobs.FindAsync(new Tenant("1001", ApiFixture.NewApplicationId()), job.Id, None));
        Assert.Null(await Jobs.FindAsync(new Tenant("2002", tenant.ApplicationId), job.Id, None));
    }

    [Fact]
    public async Task Replace_is_conditional_on_the_version()
    {
        var job = NewJob(status: JobStatus.Pending);
        await Jobs.InsertAsync(job, None);
        job.Version = 1;
        job.Status = JobStatus.Running;
        Assert.True(await Jobs.ReplaceAsync(job, 0, None));
        job.Version = 2;
        Assert.False(await Jobs.ReplaceAsync(job, 0, None));
        Assert.Equal(JobStatus.Running, (await Jobs.FindAsync(tenant, job.Id, None))!.Status);
    }

    [Fact]
    public async Task Listing_filters_and_sorts_newest_first()
    {
        var now = DateTime.UtcNow;
        var a = NewJob(name: "Alpha.csv", createdAt: now.AddMinutes(-3));
        var b = NewJob(status: JobStatus.Failed, name: "beta.xlsx", format: JobFileFormat.Xlsx, createdAt: now.AddMinutes(-2));
        var c = NewJob(name: "gamma-alpha.csv", createdAt: now.AddMinutes(-1));
        var export = NewJob(action: JobAction.Export, createdAt: now);
        var foreign = NewJob(where: new Tenant("1001", ApiFixture.NewApplicationId()));
        foreach (var job in new[] { a, b, c, export, foreign })
        {
            await Jobs.InsertAsync(job, None);
        }

        async Task<List<string>> Ids(BulkJobQuery q, int skip = 0, int take = 10) =>
            (await Jobs.ListAsync(tenant, q, skip, take, None)).Items.Select(j => j.Id).ToList();

        var all = new BulkJobQuery(JobAction.Import, null, null, null, null, null);
        Assert.Equal([c.Id, b.Id, a.Id], await Ids(all));
        Assert.Equal(3, (await Jobs.ListAsync(tenant, all, 0, 1, None)).Total);
        Assert.Equal([b.Id], await Ids(all, 1, 1));
        Assert.Equal([export.Id], await Ids(all with { ActionType = JobAction.Export }));
        Assert.Equal([b.Id], await Ids(all with { Status = JobStatus.Failed }));
        Assert.Equal([b.Id], await Ids(all with { FileFormat = JobFileFormat.Xlsx }));
        Assert.Equal([c.Id, a.Id], await Ids(all with { Search = "alpha" }));
        Assert.Equal([b.Id], await Ids(all with { Search = b.Id }));
        Assert.Equal([c.Id, b.Id], await Ids(all with { CreatedFrom = b.CreatedAt }));
        Assert.Equal([b.Id, a.Id], await Ids(all with { CreatedTo = b.CreatedAt }));
    }

    [Fact]
    public async Task Files_due_are_the_finished_jobs_whose_retention_ended()
    {
        // Files due are looked for across every application: an empty database of the test's own.
        await using var own = await ApiFixture.FreshStoreAsync(fixture);
        var jobs = own.Services.GetRequiredService<IBulkJobStore>();
        var now = Build.Millis(DateTime.UtcNow);
        var due = NewJob();
        due.FilesExpireAt = now.AddMinutes(-1);
        var dueElsewhere = NewJob(where: new Tenant("2002", ApiFixture.NewApplicationId()));
        dueElsewhere.FilesExpireAt = now.AddSeconds(-1);
        var kept = NewJob();
        kept.FilesExpireAt = now.AddHours(1);
        var running = NewJob(status: JobStatus.Running);
        foreach (var job in new[] { due, dueElsewhere, kept, running })
        {
            await jobs.InsertAsync(job, None);
        }

        Assert.Equal([due.Id, dueElsewhere.Id], (await jobs.FindFilesDueAsync(now, 10, None)).Select(j => j.Id));
        Assert.Equal([due.Id], (await jobs.FindFilesDueAsync(now, 1, None)).Select(j => j.Id));
    }

    private User NewUser(string? username = null, DateTime? createdAt = null, string? id = null) =>
        Build.StoredUser(tenant, username, createdAt: createdAt, meta: "{}", id: id);

    [Fact]
    public async Task InsertMany_writes_a_batch_and_skips_users_already_written()
    {
        _ = Jobs;
        var a = NewUser();
        var b = NewUser();
        Assert.Empty(await Users.InsertManyAsync([a, b], None));
        Assert.NotNull(await Users.FindByIdAsync(tenant, a.Id, None));
        Assert.NotNull(await Users.FindByIdAsync(tenant, b.Id, None));

        // The same batch again (a retried batch): nothing written twice, nothing reported.
        var again = await Users.InsertManyAsync([a, b], None);
        Assert.Empty(again);
        Assert.Equal(2, (await Users.FindByIdsAsync(tenant, [a.Id, b.Id], None)).Count);
    }

    [Fact]
    public async Task InsertMany_rejects_a_user_whose_key_is_taken_and_writes_the_rest()
    {
        _ = Jobs;
        fixture.SkipOnEmulator("enforce unique indexes");
        var holder = NewUser();
        await Users.InsertAsync(holder, None);
        var a = NewUser();
        var b = NewUser();
        var clash = NewUser(holder.Username);
        var rejected = await Users.InsertManyAsync([a, clash, b], None);
        Assert.Equal([clash.Id], rejected);
        Assert.NotNull(await Users.FindByIdAsync(tenant, a.Id, None));
        Assert.NotNull(await Users.FindByIdAsync(tenant, b.Id, None));
        Assert.Null(await Users.FindByIdAsync(tenant, clash.Id, None));

        // The same batch again (a retried batch): the written users are not reported, the clash still is.
        Assert.Equal([clash.Id], await Users.InsertManyAsync([a, clash, b], None));
    }

    [Fact]
    public async Task ListByCreation_pages_by_keyset_without_gaps_or_repeats_under_the_upper_bound()
    {
        _ = Jobs;
        var t0 = Build.Millis(DateTime.UtcNow.AddMinutes(-10));
        var users = new List<User>();
        for (var i = 0; i < 7; i++)
        {
            // Pairs share a created_at: the id breaks the tie.
            users.Add(NewUser(createdAt: t0.AddSeconds(i / 2)));
        }

        await Users.InsertManyAsync(users, None);
        var late = NewUser(createdAt: t0.AddMinutes(5));
        await Users.InsertAsync(late, None);
        var expected = users.OrderBy(u => u.CreatedAt).ThenBy(u => u.Id, StringComparer.Ordinal).Select(u => u.Id).ToList();

        var seen = new List<string>();
        (DateTime, string)? cursor = null;
        while (true)
        {
            var page = await Users.ListByCreationAsync(tenant, UserState.Live, null, t0.AddMinutes(1), cursor, 3, None);
            seen.AddRange(page.Select(u => u.Id));
            if (page.Count < 3)
            {
                break;
            }

            cursor = (page[^1].CreatedAt, page[^1].Id);
        }

        Assert.Equal(expected, seen);
        var from = await Users.ListByCreationAsync(tenant, UserState.Live, t0.AddSeconds(3), t0.AddMinutes(10), null, 10, None);
        Assert.Equal(expected.Skip(6).Append(late.Id), from.Select(u => u.Id));
        Assert.Empty(await Users.ListByCreationAsync(tenant, UserState.Archived, null, t0.AddMinutes(10), null, 10, None));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteBulkJobStoreContractTests(SqliteStoreFixture fixture) : BulkJobStoreContractTests(fixture), IClassFixture<SqliteStoreFixture>;

[Collection(MongoCollection.Name)]
public sealed class MongoBulkJobStoreContractTests(MongoStoreFixture fixture) : BulkJobStoreContractTests(fixture), IClassFixture<MongoStoreFixture>
{
    [Fact]
    public async Task A_batch_written_again_after_its_run_died_before_counting_leaves_the_count_exact()
    {
        fixture.RequireStore();
        var users = fixture.Services.GetRequiredService<IUserStore>();
        var where = new Tenant("1001", ApiFixture.NewApplicationId());
        var batch = Enumerable.Range(0, 5).Select(_ => Build.StoredUser(where, meta: "{}")).ToList();
        // The run that died: two users of the batch written, their count never added (MongoDB has no transaction here).
        var collection = fixture.Services.GetRequiredService<UserAuth.Api.Storage.Mongo.MongoDatabaseProvider>().Database
            .GetCollection<User>("users");
        await collection.InsertManyAsync(batch.Take(2));

        Assert.Empty(await users.InsertManyAsync(batch, CancellationToken.None));

        var page = await users.ListAsync(where, CustomerFilter.All, 0, 10, CancellationToken.None);
        Assert.Equal(5, page.Items.Count);
        Assert.Equal(5, page.Total);
    }
}
