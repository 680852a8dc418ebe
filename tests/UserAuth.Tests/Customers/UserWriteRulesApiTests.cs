using System.Net;
using System.Text.Json;
using UserAuth.Tests.Infrastructure;
using UserAuth.Tests.Sessions;

namespace UserAuth.Tests.Customers;

/// <summary>
/// What createUser and updateUser write, pinned down (issue 13, "Tests that can fail"): the defaults of the email and
/// phone flags, meta replaced or kept, the update-time identity conflict, and writes that lose a race to another
/// instance over the same store (a taken identity key, the version-conflict retry limit).
/// </summary>
public abstract class UserWriteRulesApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private async Task<JsonElement> CreateAsync(HttpClient http, Dictionary<string, object?>? body = null) =>
        (await http.PostJsonAsync($"{P}/customers", body ?? Build.User())).GetProperty("user");

    private static string Id(JsonElement user) => user.GetProperty("_id").GetString()!;

    private static (bool Primary, bool Verified, bool Active) Flags(JsonElement item) =>
        (item.GetProperty("primary").GetBoolean(), item.GetProperty("verified").GetBoolean(), item.GetProperty("active").GetBoolean());

    [Fact]
    public async Task Email_and_phone_flags_default_to_primary_unverified_active_on_create_and_on_update_when_omitted()
    {
        var http = await fixture.ClientAsync();
        var user = await CreateAsync(http, Build.User(email: $"{Build.Username()}@example.com"));
        Assert.Equal((true, false, true), Flags(Assert.Single(user.GetProperty("emails").EnumerateArray())));
        Assert.Equal((true, false, true), Flags(Assert.Single(user.GetProperty("phone_numbers").EnumerateArray())));

        // Only `primary` sent (and only on one item): the rest are not primary, unverified and active.
        var phone = Build.Phone();
        var updated = (await http.PutJsonAsync($"{P}/customers/{Id(user)}", new
        {
            emails = new object[] { new { email = $"{Build.Username()}@example.com" }, new { email = $"{Build.Username()}@example.com", primary = true } },
            phone_numbers = new object[] { new { phone, country_code = "91", primary = true } },
        })).GetProperty("user");
        var emails = updated.GetProperty("emails").EnumerateArray().Select(Flags).ToList();
        Assert.Equal([(false, false, true), (true, false, true)], emails);
        Assert.Equal((true, false, true), Flags(Assert.Single(updated.GetProperty("phone_numbers").EnumerateArray())));

        // Flags sent are kept as sent.
        var sent = (await http.PutJsonAsync($"{P}/customers/{Id(user)}", new
        {
            emails = new object[] { new { email = $"{Build.Username()}@example.com", primary = true, verified = true, active = false } },
            phone_numbers = new object[] { new { phone, country_code = "91", primary = true, verified = true, active = false } },
        })).GetProperty("user");
        Assert.Equal((true, true, false), Flags(Assert.Single(sent.GetProperty("emails").EnumerateArray())));
        Assert.Equal((true, true, false), Flags(Assert.Single(sent.GetProperty("phone_numbers").EnumerateArray())));
        Assert.Equal(2, sent.GetProperty("__v").GetInt32());
    }

    [Fact]
    public async Task Meta_is_replaced_by_a_value_unchanged_when_equal_as_json_or_null_and_empty_when_created_null()
    {
        var http = await fixture.ClientAsync();
        var user = await CreateAsync(http);
        var path = $"{P}/customers/{Id(user)}";

        var replaced = (await http.PutJsonAsync(path, new { meta = new { tier = "gold", visits = 3 } })).GetProperty("user");
        Assert.Equal("""{"tier":"gold","visits":3}""", replaced.GetProperty("meta").GetRawText());
        Assert.Equal(1, replaced.GetProperty("__v").GetInt32());

        // The same object in another order and spacing is no change: no write, no new version.
        using (var same = await http.PutAsync(path, Http.RawJson("""{ "meta": { "visits": 3,  "tier": "gold" } }""")))
        {
            Assert.Equal(1, (await same.ExpectAsync(HttpStatusCode.OK)).GetProperty("user").GetProperty("__v").GetInt32());
        }

        // A body without meta leaves it; another value replaces it.
        Assert.Equal("""{"tier":"gold","visits":3}""",
            (await http.PutJsonAsync(path, new { first_name = "Asha" })).GetProperty("user").GetProperty("meta").GetRawText());
        var changed = (await http.PutJsonAsync(path, new { meta = new { tier = "gold", visits = 4 } })).GetProperty("user");
        Assert.Equal(3, changed.GetProperty("__v").GetInt32());

        // null is "not sent" (as for every other field of updateUser): meta stays, no new version.
        using var sentNull = await http.PutAsync(path, Http.RawJson("""{ "meta": null }"""));
        var kept = (await sentNull.ExpectAsync(HttpStatusCode.OK)).GetProperty("user");
        Assert.Equal("""{"tier":"gold","visits":4}""", kept.GetProperty("meta").GetRawText());
        Assert.Equal(3, kept.GetProperty("__v").GetInt32());

        // A user created without meta (or with null) has the empty object.
        var body = Build.User();
        body["meta"] = null;
        Assert.Equal("{}", (await CreateAsync(http, body)).GetProperty("meta").GetRawText());
    }

    [Fact]
    public async Task Updating_to_a_phone_number_another_user_holds_is_409_on_phone_numbers_and_writes_nothing()
    {
        var http = await fixture.ClientAsync();
        var holder = await CreateAsync(http);
        var user = await CreateAsync(http);
        var taken = holder.GetProperty("phone_numbers")[0].GetProperty("phone").GetString();

        var refused = await http.PutJsonAsync($"{P}/customers/{Id(user)}", new
        {
            first_name = "Changed",
            phone_numbers = new object[] { new { phone = taken, country_code = "91", primary = true } },
        }, HttpStatusCode.Conflict);
        Http.AssertError(refused, "duplicate_phone", "phone_numbers");

        var stored = (await http.GetJsonAsync($"{P}/customers/list?q={user.GetProperty("username").GetString()}")).GetProperty("items")[0];
        Assert.Equal(0, stored.GetProperty("__v").GetInt32());
        Assert.Equal("Akash", stored.GetProperty("first_name").GetString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_phone_number_taken_by_another_instance_between_check_and_write_is_409_on_phone_numbers(bool storeNamesTheKey)
    {
        fixture.RequireStore();
        fixture.SkipOnEmulator("enforce unique indexes");
        var http = await fixture.ClientAsync();
        var user = await CreateAsync(http);
        var phone = Build.Phone();

        // This instance's write finds the phone free, then another instance creates a user with it just before the
        // write lands. A store whose error does not name the key (storeNamesTheKey: false) makes the service look it up.
        var race = new RacingUserStore { HideTakenKey = !storeNamesTheKey };
        race.BeforeReplace = async _ =>
        {
            race.BeforeReplace = null;
            await CreateAsync(http, Build.User(phone: phone));
        };
        await using var instance = race.InstanceOver(fixture);
        var raced = await instance.CreateClient().WithTokenAsync(fixture);

        var refused = await raced.PutJsonAsync($"{P}/customers/{Id(user)}", new
        {
            phone_numbers = new object[] { new { phone, country_code = "91", primary = true } },
        }, HttpStatusCode.Conflict);
        Http.AssertError(refused, "duplicate_phone", "phone_numbers");
        Assert.Equal(1, race.Replaces);
        var stored = (await http.GetJsonAsync($"{P}/customers/list?q={user.GetProperty("username").GetString()}")).GetProperty("items")[0];
        Assert.Equal(0, stored.GetProperty("__v").GetInt32());
    }

    [Fact]
    public async Task A_write_that_keeps_losing_to_other_instances_is_retried_eight_times_then_answered_409_concurrent_update()
    {
        fixture.RequireStore();
        var http = await fixture.ClientAsync();
        var user = await CreateAsync(http);
        var path = $"{P}/customers/{Id(user)}";

        // Another instance changes the user between this instance's read and write, `wins` times in a row.
        var wins = 7;
        var race = new RacingUserStore();
        race.BeforeReplace = async _ =>
        {
            if (wins-- > 0)
            {
                await http.PutJsonAsync(path, new { last_name = $"Other{wins}" });
            }
        };
        await using var instance = race.InstanceOver(fixture);
        var raced = await instance.CreateClient().WithTokenAsync(fixture);

        // Seven lost races: the eighth attempt writes, on top of every write that won.
        var written = (await raced.PutJsonAsync(path, new { first_name = "Mine" })).GetProperty("user");
        Assert.Equal(8, race.Replaces);
        Assert.Equal("Mine", written.GetProperty("first_name").GetString());
        Assert.Equal("Other0", written.GetProperty("last_name").GetString());
        Assert.Equal(8, written.GetProperty("__v").GetInt32());

        // Eight lost races: the request gives up with a 409 that says why, and its change is not written.
        wins = 8;
        race.Replaces = 0;
        var refused = await raced.PutJsonAsync(path, new { first_name = "Lost" }, HttpStatusCode.Conflict);
        Http.AssertError(refused, "concurrent_update");
        Assert.Equal(8, race.Replaces);
        var stored = (await http.PutJsonAsync(path, new { })).GetProperty("user");
        Assert.Equal("Mine", stored.GetProperty("first_name").GetString());
        Assert.Equal(16, stored.GetProperty("__v").GetInt32());
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteUserWriteRulesApiTests(SqliteApiFixture fixture) : UserWriteRulesApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoUserWriteRulesApiTests(MongoApiFixture fixture) : UserWriteRulesApiTests(fixture);
