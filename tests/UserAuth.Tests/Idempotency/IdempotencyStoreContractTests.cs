using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Idempotency;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Idempotency;

/// <summary>The <see cref="IIdempotencyStore"/> contract, run against every adapter.</summary>
public abstract class IdempotencyStoreContractTests(ApiFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly Tenant tenant = new("1001", ApiFixture.NewApplicationId());

    private IIdempotencyStore Store
    {
        get
        {
            fixture.RequireStore();
            return fixture.Services.GetRequiredService<IIdempotencyStore>();
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

    private IdempotencyScope Scope(string key = "k", string client = "c") => new(tenant, client, key);

    [Fact]
    public async Task A_key_is_claimed_once_then_answers_its_record_and_its_stored_answer()
    {
        var now = Now;
        Assert.Null(await Store.ClaimAsync(Scope(), "f1", "a", now, now.AddMinutes(1), now.AddHours(1), None));

        var held = await Store.ClaimAsync(Scope(), "f1", "b", now, now.AddMinutes(1), now.AddHours(1), None);
        Assert.NotNull(held);
        Assert.Equal("a", held.Owner);
        Assert.Equal("f1", held.Fingerprint);
        Assert.Null(held.Answer);

        Assert.False(await Store.CompleteAsync(Scope(), "b", new StoredAnswer(200, "x"), now.AddHours(1), None));
        Assert.True(await Store.CompleteAsync(Scope(), "a", new StoredAnswer(201, "v1:answer"), now.AddHours(1), None));
        var done = await Store.ClaimAsync(Scope(), "f1", "c", now, now.AddMinutes(1), now.AddHours(1), None);
        Assert.Equal(new StoredAnswer(201, "v1:answer"), done?.Answer);
        Assert.Equal(done, await Store.FindAsync(Scope(), now, None));
    }

    [Fact]
    public async Task Keys_of_other_clients_and_applications_are_separate()
    {
        var now = Now;
        Assert.Null(await Store.ClaimAsync(Scope(), "f", "a", now, now.AddMinutes(1), now.AddHours(1), None));
        Assert.Null(await Store.ClaimAsync(Scope(client: "other"), "f", "a", now, now.AddMinutes(1), now.AddHours(1), None));
        Assert.Null(await Store.ClaimAsync(new IdempotencyScope(new Tenant("1001", ApiFixture.NewApplicationId()), "c", "k"),
            "f", "a", now, now.AddMinutes(1), now.AddHours(1), None));
        Assert.Null(await Store.ClaimAsync(new IdempotencyScope(new Tenant("2002", tenant.ApplicationId), "c", "k"),
            "f", "a", now, now.AddMinutes(1), now.AddHours(1), None));
    }

    [Fact]
    public async Task A_lease_that_ran_out_is_taken_over_and_the_old_owner_can_no_longer_complete()
    {
        var now = Now;
        Assert.Null(await Store.ClaimAsync(Scope(), "f", "dead", now, now.AddSeconds(5), now.AddHours(1), None));
        var later = now.AddSeconds(6);

        Assert.Null(await Store.ClaimAsync(Scope(), "f", "next", later, later.AddSeconds(5), later.AddHours(1), None));
        Assert.False(await Store.CompleteAsync(Scope(), "dead", new StoredAnswer(200, "old"), now.AddHours(1), None));
        await Store.ReleaseAsync(Scope(), "dead", None);
        Assert.Equal("next", (await Store.FindAsync(Scope(), later, None))?.Owner);
    }

    [Fact]
    public async Task An_expired_key_is_gone_for_reads_and_claims_and_the_sweep_removes_it()
    {
        var now = Now;
        Assert.Null(await Store.ClaimAsync(Scope(), "f", "a", now, now.AddSeconds(5), now.AddSeconds(10), None));
        Assert.True(await Store.CompleteAsync(Scope(), "a", new StoredAnswer(200, "x"), now.AddSeconds(10), None));
        var later = now.AddSeconds(11);

        Assert.Null(await Store.FindAsync(Scope(), later, None));
        if (!Store.ExpiresByItself)
        {
            Assert.True(await Store.DeleteExpiredAsync(later, 1000, None) >= 1);
        }

        Assert.Null(await Store.ClaimAsync(Scope(), "other", "b", later, later.AddSeconds(5), later.AddHours(1), None));
        Assert.Equal("other", (await Store.FindAsync(Scope(), later, None))?.Fingerprint);
    }

    [Fact]
    public async Task Released_keys_can_be_claimed_again_but_an_answered_key_is_not_released()
    {
        var now = Now;
        Assert.Null(await Store.ClaimAsync(Scope("r"), "f", "a", now, now.AddMinutes(1), now.AddHours(1), None));
        await Store.ReleaseAsync(Scope("r"), "a", None);
        Assert.Null(await Store.FindAsync(Scope("r"), now, None));
        Assert.Null(await Store.ClaimAsync(Scope("r"), "f", "b", now, now.AddMinutes(1), now.AddHours(1), None));
        Assert.True(await Store.CompleteAsync(Scope("r"), "b", new StoredAnswer(200, "x"), now.AddHours(1), None));

        await Store.ReleaseAsync(Scope("r"), "b", None);
        Assert.NotNull((await Store.FindAsync(Scope("r"), now, None))?.Answer);
    }

    [Fact]
    public async Task Concurrent_claims_of_one_key_leave_exactly_one_owner()
    {
        var now = Now;
        var claims = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Store.ClaimAsync(Scope("race"), "f", "owner" + i, now, now.AddMinutes(1), now.AddHours(1), None)));

        Assert.Single(claims, c => c is null);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteIdempotencyStoreContractTests(SqliteApiFixture fixture) : IdempotencyStoreContractTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoIdempotencyStoreContractTests(MongoApiFixture fixture) : IdempotencyStoreContractTests(fixture);
