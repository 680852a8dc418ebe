using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Audit;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Audit;

/// <summary>
/// The completion and the abandon of written-ahead records (<see cref="AuditService"/>) for the cases of its contract the
/// audit filter does not produce today, so no HTTP test reaches them: an answer naming a user the request did not (a
/// record of its own, the written-ahead ones keep their users), a written-ahead record whose user is not named again
/// (deleted with the completion), and no records at all. Against each real store, with the records written ahead as
/// MongoDB writes them (stored before the write: <see cref="AuditWriteAhead.Stored"/>).
/// </summary>
public abstract class AuditCompletionTests(ApiFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Tenant tenant = new("1001", ApiFixture.NewApplicationId());

    private AuditService Audit => fixture.Services.GetRequiredService<AuditService>();

    private IAuditStore Store => fixture.Services.GetRequiredService<IAuditStore>();

    private AuditEntry Entry(string userId, int status) => new()
    {
        Id = Ids.New(), CompanyId = tenant.CompanyId, ApplicationId = tenant.ApplicationId, Kind = AuditKinds.Request,
        UserId = userId, At = DateTime.UtcNow, ClientId = "c", Method = "PUT", Operation = "op", RequestId = "req-" + Ids.New(),
        Status = status,
    };

    private async Task<List<AuditEntry>> WrittenAheadAsync(params string[] users)
    {
        var pending = users.Select(u => Entry(u, 0)).ToList();
        await Store.AppendAsync(pending, None);
        return pending;
    }

    private async Task<IReadOnlyList<AuditEntry>> StoredAsync() =>
        (await Store.ListAsync(tenant, AuditKinds.Request, null, 0, 100, None)).Items;

    [Fact]
    public async Task A_user_the_answer_adds_gets_a_record_of_its_own_and_the_named_user_keeps_its_written_ahead_one()
    {
        fixture.RequireStore();
        var (a, added) = (Ids.New(), Ids.New());
        var pending = await WrittenAheadAsync(a);
        var entries = new List<AuditEntry> { Entry(added, 200), Entry(a, 200) };
        var addedId = entries[0].Id;

        await Audit.CompleteAsync(AuditWriteAhead.Stored, pending, entries);

        var stored = await StoredAsync();
        Assert.Equal(2, stored.Count);
        Assert.All(stored, e => Assert.Equal(200, e.Status));
        Assert.Equal(pending[0].Id, Assert.Single(stored, e => e.UserId == a).Id);
        Assert.Equal(addedId, Assert.Single(stored, e => e.UserId == added).Id);
    }

    [Fact]
    public async Task A_written_ahead_record_whose_user_is_not_named_again_is_deleted_with_the_completion()
    {
        fixture.RequireStore();
        var (a, b) = (Ids.New(), Ids.New());
        var pending = await WrittenAheadAsync(a, b);

        await Audit.CompleteAsync(AuditWriteAhead.Stored, pending, [Entry(a, 200)]);

        var record = Assert.Single(await StoredAsync());
        Assert.Equal((pending[0].Id, a, 200), (record.Id, record.UserId, record.Status));
    }

    [Fact]
    public async Task A_completion_with_no_records_deletes_the_written_ahead_ones_and_abandoning_none_does_nothing()
    {
        fixture.RequireStore();
        var pending = await WrittenAheadAsync(Ids.New());

        await Audit.AbandonAsync(AuditWriteAhead.Stored, []);
        Assert.Single(await StoredAsync());

        await Audit.CompleteAsync(AuditWriteAhead.Stored, pending, []);
        Assert.Empty(await StoredAsync());
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteAuditCompletionTests(SqliteApiFixture fixture) : AuditCompletionTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoAuditCompletionTests(MongoApiFixture fixture) : AuditCompletionTests(fixture);
