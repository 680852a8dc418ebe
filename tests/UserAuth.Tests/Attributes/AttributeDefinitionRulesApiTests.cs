using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Attributes;
using UserAuth.Api.Features.Customers;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Attributes.AttributeApi;

namespace UserAuth.Tests.Attributes;

/// <summary>
/// What an attribute definition update keeps and changes field by field, the checks of default values, validations
/// kept across a type change, the immutable-once-used and locked rules, slug conflicts on update, and the
/// compare-and-set limit, through HTTP (and the service over the real store for the races), against each store.
/// </summary>
public abstract class AttributeDefinitionRulesApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Path(JsonElement definition) => $"{Definitions(app)}/{Id(definition)}";

    [Fact]
    public async Task An_update_changes_every_sent_field_and_keeps_every_field_not_sent()
    {
        var http = await fixture.ClientAsync();
        var definition = await http.PostJsonAsync(Definitions(app), new
        {
            name = "Hobbies", slug = $"hobbies_{Guid.NewGuid():N}"[..20], description = "before", type = "string",
            pin_order = 1, default_value = "chess",
        });
        var slug = $"interests_{Guid.NewGuid():N}"[..20];

        var changed = await http.PutJsonAsync(Path(definition), new
        {
            slug, description = "after", multi_value = true, customer_editable = true, encrypted = true, pinned = true,
            pin_order = 5, default_value = "[\"go\",\"chess\"]",
        });
        Expected(changed);
        Assert.Equal("Hobbies", changed.GetProperty("name").GetString());

        var renamed = await http.PutJsonAsync(Path(definition), new { name = "Interests" });
        Assert.Equal("Interests", renamed.GetProperty("name").GetString());
        Expected(renamed);
        Expected(await http.GetJsonAsync(Path(definition)));

        void Expected(JsonElement d)
        {
            Assert.Equal(slug, d.GetProperty("slug").GetString());
            Assert.Equal("after", d.GetProperty("description").GetString());
            Assert.Equal("string", d.GetProperty("type").GetString());
            Assert.True(d.GetProperty("multi_value").GetBoolean());
            Assert.True(d.GetProperty("customer_editable").GetBoolean());
            Assert.True(d.GetProperty("encrypted").GetBoolean());
            Assert.True(d.GetProperty("pinned").GetBoolean());
            Assert.Equal(5, d.GetProperty("pin_order").GetInt32());
            Assert.Equal("[\"go\",\"chess\"]", d.GetProperty("default_value").GetString());
        }
    }

    [Fact]
    public async Task A_type_change_checks_the_kept_validations_against_the_new_type_and_sent_validations_replace_them()
    {
        var http = await fixture.ClientAsync();
        var definition = await http.DefineAsync(app, "string", new { validations = new object[] { new { type = "regex", value = "^[a-z]+$" } } });

        // A regex does not fit a number: the kept validation makes the type change a 400, and nothing changes.
        var refused = await http.PutJsonAsync(Path(definition), new { type = "number" }, HttpStatusCode.BadRequest);
        Http.AssertError(refused, "validation_failed");
        Assert.Equal("string", (await http.GetJsonAsync(Path(definition))).GetProperty("type").GetString());

        // Sent with the change, validations that fit the new type replace the old ones.
        var number = await http.PutJsonAsync(Path(definition), new { type = "number", validations = new object[] { new { type = "max", value = 5 } } });
        Assert.Equal("number", number.GetProperty("type").GetString());
        var validation = Assert.Single(number.GetProperty("validations").EnumerateArray());
        Assert.Equal("max", validation.GetProperty("type").GetString());
        Assert.Equal(5, validation.GetProperty("value").GetInt32());

        // Kept validations that fit the new type are kept.
        var text = await http.PutJsonAsync(Path(definition), new { type = "string" });
        Assert.Equal("max", Assert.Single(text.GetProperty("validations").EnumerateArray()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Multi_value_cannot_change_once_values_exist_and_the_409_says_which_fields()
    {
        var http = await fixture.ClientAsync();
        var definition = await http.DefineAsync(app, "string");
        await http.SetAsync(app, Id(definition), (await http.NewCustomerAsync(app)).Id, "x");

        var body = await http.PutJsonAsync(Path(definition), new { multi_value = true, type = "url" }, HttpStatusCode.Conflict);

        Http.AssertError(body, "definition_in_use", "multi_value");
        Assert.Equal("Users already have values of this attribute: type, multi_value can no longer change.",
            body.GetProperty("message").GetString());
        Assert.All(body.GetProperty("errors").EnumerateArray(),
            e => Assert.Equal("cannot change once values exist", e.GetProperty("reason").GetString()));
        Assert.False((await http.GetJsonAsync(Path(definition))).GetProperty("multi_value").GetBoolean());
        // Sending the value it already has is no change.
        await http.PutJsonAsync(Path(definition), new { multi_value = false, description = "same" });
    }

    [Fact]
    public async Task A_slug_taken_by_another_definition_is_409_on_create()
    {
        var http = await fixture.ClientAsync();
        var first = await http.DefineAsync(app, "string");
        var taken = first.GetProperty("slug").GetString()!;

        var created = await http.PostJsonAsync(Definitions(app), new { name = "x", slug = taken, type = "string" }, HttpStatusCode.Conflict);
        Http.AssertError(created, "duplicate_slug", "slug");
        Assert.Equal("is taken in this application", created.GetProperty("errors")[0].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_slug_taken_by_another_definition_is_409_on_update()
    {
        // An update has no read-before-write check: the store's unique slug index answers.
        fixture.SkipOnEmulator("enforce unique indexes");
        var http = await fixture.ClientAsync();
        var first = await http.DefineAsync(app, "string");
        var second = await http.DefineAsync(app, "string");
        var taken = first.GetProperty("slug").GetString()!;

        var updated = await http.PutJsonAsync(Path(second), new { slug = taken }, HttpStatusCode.Conflict);
        Http.AssertError(updated, "duplicate_slug", "slug");
        Assert.Equal(second.GetProperty("slug").GetString(), (await http.GetJsonAsync(Path(second))).GetProperty("slug").GetString());
    }

    [Fact]
    public async Task A_locked_definition_takes_an_unlock_only_alone()
    {
        var http = await fixture.ClientAsync();
        var definition = await http.DefineAsync(app, "string", new { is_locked = true });

        Http.AssertError(await http.PutJsonAsync(Path(definition), new { is_locked = false, name = "sneaked in" }, HttpStatusCode.Conflict),
            "definition_locked");
        var still = await http.GetJsonAsync(Path(definition));
        Assert.True(still.GetProperty("is_locked").GetBoolean());
        Assert.Equal(definition.GetProperty("name").GetString(), still.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_default_value_must_read_as_a_value_of_the_definition_on_create_and_on_update()
    {
        var http = await fixture.ClientAsync();
        var number = await http.DefineAsync(app, "number", new { default_value = "12.5" });
        Assert.Equal("12.5", number.GetProperty("default_value").GetString());
        var flag = await http.DefineAsync(app, "boolean", new { default_value = "true" });
        Assert.Equal("true", flag.GetProperty("default_value").GetString());
        var word = await http.DefineAsync(app, "string", new { default_value = "plain text, not JSON" });
        Assert.Equal("plain text, not JSON", word.GetProperty("default_value").GetString());

        var notJson = await http.DefineAsync(app, "number", new { default_value = "twelve" }, HttpStatusCode.BadRequest);
        Http.AssertError(notJson, "validation_failed", "default_value");
        Assert.Equal("must be the JSON text of a number value", notJson.GetProperty("errors")[0].GetProperty("reason").GetString());
        Http.AssertError(await http.DefineAsync(app, "boolean", new { default_value = "3" }, HttpStatusCode.BadRequest),
            "validation_failed", "default_value");
        Http.AssertError(await http.DefineAsync(app, "string", new { default_value = "toolong", validations = new object[] { new { type = "max", value = 3 } } },
            HttpStatusCode.BadRequest), "validation_failed", "default_value");

        Http.AssertError(await http.PutJsonAsync(Path(number), new { default_value = "\"twelve\"" }, HttpStatusCode.BadRequest),
            "validation_failed", "default_value");
        Assert.Equal("12.5", (await http.GetJsonAsync(Path(number))).GetProperty("default_value").GetString());
    }

    [Fact]
    public async Task An_update_that_keeps_losing_to_other_writers_gives_up_after_eight_tries_with_concurrent_update()
    {
        var http = await fixture.ClientAsync();
        var definition = await http.DefineAsync(app, "string");
        var store = fixture.Services.GetRequiredService<IAttributeStore>();
        var tenant = new Tenant("1001", app);
        var attempts = 0;
        var racing = RacingStore.Over(store, (nameof(IAttributeStore.ReplaceDefinitionAsync), async () =>
        {
            attempts++;
            // Another writer changes the definition between this request's read and its write.
            var current = (await store.FindDefinitionAsync(tenant, Id(definition), Ct))!;
            var version = current.Version;
            current.Description = $"other writer {attempts}";
            current.Version++;
            Assert.True(await store.ReplaceDefinitionAsync(current, version, Ct));
        }));

        var service = Service(racing);
        var error = await Assert.ThrowsAsync<ConflictException>(() =>
            service.UpdateAsync(tenant, Id(definition), new UpdateUserAttributeDefinition { Name = "mine" }, "tests", Ct));

        Assert.Equal("concurrent_update", error.Code);
        Assert.Equal(8, attempts);
        var stored = (await store.FindDefinitionAsync(tenant, Id(definition), Ct))!;
        Assert.Equal("other writer 8", stored.Description);
        Assert.NotEqual("mine", stored.Name);

        // One lost race and then a win: the update lands on the other writer's version.
        attempts = 0;
        var once = RacingStore.Over(store, (nameof(IAttributeStore.ReplaceDefinitionAsync), async () =>
        {
            if (++attempts == 1)
            {
                var current = (await store.FindDefinitionAsync(tenant, Id(definition), Ct))!;
                var version = current.Version;
                current.Description = "other writer again";
                current.Version++;
                Assert.True(await store.ReplaceDefinitionAsync(current, version, Ct));
            }
        }));
        var updated = await Service(once).UpdateAsync(tenant, Id(definition), new UpdateUserAttributeDefinition { Name = "mine" }, "tests", Ct);
        Assert.Equal(2, attempts);
        Assert.Equal("mine", updated.Name);
        Assert.Equal("other writer again", updated.Description);
    }

    [Fact]
    public async Task A_definition_deleted_by_another_request_meanwhile_answers_404()
    {
        var http = await fixture.ClientAsync();
        var definition = await http.DefineAsync(app, "string");
        var store = fixture.Services.GetRequiredService<IAttributeStore>();
        var tenant = new Tenant("1001", app);
        var racing = RacingStore.Over(store, (nameof(IAttributeStore.DeleteDefinitionAsync), async () =>
            Assert.True(await store.DeleteDefinitionAsync(tenant, Id(definition), Ct))));

        var error = await Assert.ThrowsAsync<NotFoundException>(() => Service(racing).DeleteAsync(tenant, Id(definition), Ct));

        Assert.Equal("attribute_definition_not_found", error.Code);
    }

    [Fact]
    public async Task A_slug_taken_by_a_concurrent_create_after_the_check_is_409_too()
    {
        // Past the check, only the store's unique slug index can answer.
        fixture.SkipOnEmulator("enforce unique indexes");
        var store = fixture.Services.GetRequiredService<IAttributeStore>();
        var tenant = new Tenant("1001", app);
        var http = await fixture.ClientAsync();
        var slug = $"raced_{Guid.NewGuid():N}"[..20];
        // The other request's insert lands between this request's slug check and its insert.
        var racing = RacingStore.Over(store, (nameof(IAttributeStore.InsertDefinitionAsync), async () =>
            await http.PostJsonAsync(Definitions(app), new { name = "first", slug, type = "string" })));

        var error = await Assert.ThrowsAsync<ConflictException>(() => Service(racing).CreateAsync(tenant,
            new CreateUserAttributeDefinition { Name = "second", Slug = slug, Type = "string" }, "tests", Ct));

        Assert.Equal("duplicate_slug", error.Code);
        Assert.Equal("first", (await store.FindDefinitionBySlugAsync(tenant, slug, Ct))!.Name);
    }

    private AttributeDefinitionService Service(IAttributeStore store) =>
        new(store, fixture.Services.GetRequiredService<Identifiers>(), TimeProvider.System, NullLogger<AttributeDefinitionService>.Instance);
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteAttributeDefinitionRulesApiTests(SqliteApiFixture fixture) : AttributeDefinitionRulesApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoAttributeDefinitionRulesApiTests(MongoApiFixture fixture) : AttributeDefinitionRulesApiTests(fixture);
