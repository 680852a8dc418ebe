using System.Net;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Tests.Infrastructure;
using UserAuth.Tests.Sessions;

namespace UserAuth.Tests.Lifecycle;

/// <summary>
/// A repeated block, unblock, archive or delete answers success and writes nothing: the stored user keeps its
/// <c>__v</c>, and a retried delete keeps its restore window (issue 13: the no-op branches of LifecycleService); one that
/// loses its race to the same change by another instance adds no second timeline event.
/// </summary>
public abstract class LifecycleRepeatApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private async Task<string> NewUserAsync(HttpClient http) =>
        (await http.PostJsonAsync($"{P}/customers", Build.User())).GetProperty("user").GetProperty("_id").GetString()!;

    private async Task<List<string?>> TimelineTypesAsync(HttpClient http, string userId) =>
        (await http.GetJsonAsync($"{P}/customers/{userId}/timeline")).GetProperty("timeline").EnumerateArray()
        .Select(e => e.GetProperty("type").GetString())
        .ToList();

    [Fact]
    public async Task A_repeated_block_unblock_archive_or_delete_answers_success_and_writes_nothing()
    {
        fixture.RequireStore();
        var http = await fixture.ClientAsync();
        var store = fixture.Services.GetRequiredService<IUserStore>();
        var tenant = new Tenant("1001", app);
        async Task<User> LoadAsync(string id) => (await store.FindByIdAsync(tenant, id, TestContext.Current.CancellationToken))!;
        var activation = $"{P}/customers/activation";

        var blocked = await NewUserAsync(http);
        await http.PutJsonAsync(activation, new { user_id = new[] { blocked }, status = false });
        var version = (await LoadAsync(blocked)).Version;
        await http.PutJsonAsync(activation, new { user_id = new[] { blocked }, status = false });
        Assert.Equal(version, (await LoadAsync(blocked)).Version);
        await http.PutJsonAsync(activation, new { user_id = new[] { blocked }, status = true });
        await http.PutJsonAsync(activation, new { user_id = new[] { blocked }, status = true });
        Assert.Equal(version + 1, (await LoadAsync(blocked)).Version);

        var archived = await NewUserAsync(http);
        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = archived });
        version = (await LoadAsync(archived)).Version;
        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = archived, reason = "again" });
        Assert.Equal(version, (await LoadAsync(archived)).Version);

        // A retried delete answers the same restore window: delete_on is not moved on.
        var deleted = await NewUserAsync(http);
        await (await http.DeleteAsync($"{P}/customers/{deleted}?reason=bye")).ExpectAsync(HttpStatusCode.OK);
        var first = await LoadAsync(deleted);
        await Task.Delay(5, TestContext.Current.CancellationToken);
        await (await http.DeleteAsync($"{P}/customers/{deleted}?reason=again")).ExpectAsync(HttpStatusCode.OK);
        var retried = await LoadAsync(deleted);
        Assert.Equal((first.Version, first.DeleteOn, first.DeletedAt), (retried.Version, retried.DeleteOn, retried.DeletedAt));
        Assert.Equal(["created", "deleted"], await TimelineTypesAsync(http, deleted));
    }

    [Fact]
    public async Task A_block_archive_or_delete_that_loses_its_race_to_the_same_change_answers_success_and_records_one_event()
    {
        fixture.RequireStore();
        var http = await fixture.ClientAsync();
        var activation = $"{P}/customers/activation";

        // Between this instance's read and its write, another instance makes the same change: the write loses, and the
        // retry finds nothing left to do, so it adds no second event to the timeline.
        var race = new RacingUserStore();
        await using var instance = race.InstanceOver(fixture);
        var raced = await instance.CreateClient().WithTokenAsync(fixture);
        void SameChangeFirst(Func<Task> change) => race.BeforeReplace = async _ =>
        {
            race.BeforeReplace = null;
            await change();
        };

        var blocked = await NewUserAsync(http);
        SameChangeFirst(() => http.PutJsonAsync(activation, new { user_id = new[] { blocked }, status = false }));
        await raced.PutJsonAsync(activation, new { user_id = new[] { blocked }, status = false });
        Assert.Equal(["created", "blocked"], await TimelineTypesAsync(http, blocked));

        var archived = await NewUserAsync(http);
        SameChangeFirst(() => http.PutJsonAsync($"{P}/customers/archive", new { user_id = archived }));
        await raced.PutJsonAsync($"{P}/customers/archive", new { user_id = archived });
        Assert.Equal(["created", "archived"], await TimelineTypesAsync(http, archived));

        var deleted = await NewUserAsync(http);
        SameChangeFirst(async () => await (await http.DeleteAsync($"{P}/customers/{deleted}?reason=bye")).ExpectAsync(HttpStatusCode.OK));
        await (await raced.DeleteAsync($"{P}/customers/{deleted}?reason=bye")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["created", "deleted"], await TimelineTypesAsync(http, deleted));

        Assert.Equal(3, race.Replaces); // each lost once; each retry wrote nothing
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteLifecycleRepeatApiTests(SqliteApiFixture fixture) : LifecycleRepeatApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoLifecycleRepeatApiTests(MongoApiFixture fixture) : LifecycleRepeatApiTests(fixture);
