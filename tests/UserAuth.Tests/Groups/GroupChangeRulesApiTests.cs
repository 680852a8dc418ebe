using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Common.Jobs;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Groups;
using UserAuth.Tests.Attributes;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Groups;

/// <summary>
/// Which changes a group refuses for its type (and the field the 400 names), what a details change keeps, and the
/// compare-and-set limit of a change that keeps losing to other writers, against each store.
/// </summary>
public abstract class GroupChangeRulesApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static long Uid(JsonElement group) => group.GetProperty("uid").GetInt64();

    [Fact]
    public async Task A_conditional_group_refuses_member_changes_and_a_bulk_group_refuses_conditions_naming_the_field()
    {
        var http = await fixture.ClientAsync();
        var tier = AttributeApi.Id(await http.DefineAsync(app, "string"));
        var conditional = Uid(await http.PostJsonAsync($"{P}/user_group", new
        {
            name = "Gold", description = "d", type = "conditional",
            conditions = new[] { new { user_attribute_definition_id = tier, type = "eq", value = "gold" } },
        }));
        var bulk = Uid(await http.PostJsonAsync($"{P}/user_group", new { name = "Listed", description = "d" }));

        var file = await http.PutJsonAsync($"{P}/user_group/{conditional}", new { file_url = "https://files.example.com/members.csv" },
            HttpStatusCode.BadRequest);
        Http.AssertError(file, "validation_failed", "file_url");
        Assert.Equal("a conditional group's members follow its conditions; change the conditions instead",
            file.GetProperty("errors")[0].GetProperty("reason").GetString());
        var json = await (await http.PatchAsync($"{P}/user_group/{conditional}", Http.Json(new
        {
            type = "json", user_data = new object[] { new { action = "add", email = "a@example.com" } },
        }))).ExpectAsync(HttpStatusCode.BadRequest);
        Http.AssertError(json, "validation_failed", "user_data");

        var conditions = await http.PutJsonAsync($"{P}/user_group/{bulk}",
            new { conditions = new[] { new { user_attribute_definition_id = tier, type = "eq", value = "gold" } } }, HttpStatusCode.BadRequest);
        Http.AssertError(conditions, "validation_failed", "conditions");
        Assert.Equal("are used by conditional groups only", conditions.GetProperty("errors")[0].GetProperty("reason").GetString());

        var type = await http.PutJsonAsync($"{P}/user_group/{bulk}", new { type = "conditional" }, HttpStatusCode.BadRequest);
        Assert.Equal("a group's type cannot change (this group is bulk)", type.GetProperty("errors")[0].GetProperty("reason").GetString());
        Assert.Equal(0, (await http.GetJsonAsync($"{P}/user_group/{bulk}")).GetProperty("__v").GetInt32());
    }

    [Fact]
    public async Task A_details_change_trims_what_it_changes_and_keeps_the_rest()
    {
        var http = await fixture.ClientAsync();
        var uid = Uid(await http.PostJsonAsync($"{P}/user_group", new { name = "  Spaced Name ", description = "  first  " }));
        var created = await http.GetJsonAsync($"{P}/user_group/{uid}");
        Assert.Equal("Spaced Name", created.GetProperty("name").GetString());
        Assert.Equal("first", created.GetProperty("description").GetString());

        var described = await http.PutJsonAsync($"{P}/user_group/{uid}", new { description = "  second  " });
        Assert.Equal("second", described.GetProperty("description").GetString());
        Assert.Equal("Spaced Name", described.GetProperty("name").GetString());

        var renamed = await http.PutJsonAsync($"{P}/user_group/{uid}", new { name = " Renamed  " });
        Assert.Equal("Renamed", renamed.GetProperty("name").GetString());
        Assert.Equal("second", renamed.GetProperty("description").GetString());
        Assert.Equal(2, renamed.GetProperty("__v").GetInt32());
    }

    [Fact]
    public async Task A_change_that_keeps_losing_to_other_writers_gives_up_after_five_tries_with_concurrent_update()
    {
        var http = await fixture.ClientAsync();
        var uid = Uid(await http.PostJsonAsync($"{P}/user_group", new { name = "n", description = "d" }));
        var store = fixture.Services.GetRequiredService<IUserGroupStore>();
        var tenant = new Tenant("1001", app);
        var attempts = 0;
        var racing = RacingStore.Over(store, (nameof(IUserGroupStore.ReplaceAsync), async () =>
        {
            attempts++;
            var current = (await store.FindByUidAsync(tenant, uid, Ct))!;
            var version = current.Version;
            current.Description = $"other writer {attempts}";
            current.Version++;
            Assert.True(await store.ReplaceAsync(current, version, Ct));
        }));

        var error = await Assert.ThrowsAsync<ConflictException>(() =>
            Service(racing).ChangeAsync(tenant, uid, new GroupChange("mine", null, null, null, null, null), Ct));

        Assert.Equal("concurrent_update", error.Code);
        Assert.Equal(5, attempts);
        var stored = (await store.FindByUidAsync(tenant, uid, Ct))!;
        Assert.Equal("other writer 5", stored.Description);
        Assert.Equal("n", stored.Name);
    }

    private UserGroupService Service(IUserGroupStore store) =>
        new(store, fixture.Services.GetRequiredService<IUserStore>(), fixture.Services.GetRequiredService<IErrorReportStore>(),
            fixture.Services.GetRequiredService<JobScheduler>(), fixture.Services.GetRequiredService<IOptions<JobOptions>>(), TimeProvider.System);
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteGroupChangeRulesApiTests(SqliteApiFixture fixture) : GroupChangeRulesApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoGroupChangeRulesApiTests(MongoApiFixture fixture) : GroupChangeRulesApiTests(fixture);
