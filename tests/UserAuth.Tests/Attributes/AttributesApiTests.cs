using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Attributes.AttributeApi;

namespace UserAuth.Tests.Attributes;

/// <summary>Definitions and values of user attributes over real HTTP, against each store.</summary>
public abstract class AttributesApiTests(ApiFixture fixture)
{
    // ------------------------------------------------------------------ definitions

    [Fact]
    public async Task Create_answers_the_definition_with_every_field_and_get_reads_it_back()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();

        var created = await http.PostJsonAsync(Definitions(app), new
        {
            name = "Loyalty tier",
            slug = "loyalty_tier",
            description = "tier",
            type = "string",
            multi_value = false,
            customer_editable = true,
            encrypted = false,
            pinned = true,
            pin_order = 2,
            default_value = "bronze",
            validations = new object[] { new { type = "min", value = 1 }, new { type = "max", value = 20 } },
        });

        Http.AssertNoNulls(created);
        Assert.True(Ids.IsValid(Id(created)));
        Assert.Equal("loyalty_tier", created.GetProperty("slug").GetString());
        Assert.Equal(app, created.GetProperty("application_id").GetString());
        Assert.Equal(2, created.GetProperty("pin_order").GetInt32());
        Assert.Equal(TestClients.Main.ClientId, created.GetProperty("created_by").GetString());
        Assert.Equal(0, created.GetProperty("__v").GetInt32());
        Assert.Equal(JsonValueKind.Number, created.GetProperty("validations")[0].GetProperty("value").ValueKind);
        var read = await http.GetJsonAsync($"{Definitions(app)}/{Id(created)}");
        Assert.Equal(created.ToString(), read.ToString());
    }

    [Fact]
    public async Task A_duplicate_slug_is_409_also_under_concurrent_creates()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        await http.PostJsonAsync(Definitions(app), new { name = "A", slug = "tier", type = "string" });
        Http.AssertError(await http.PostJsonAsync(Definitions(app), new { name = "B", slug = "tier", type = "number" }, HttpStatusCode.Conflict),
            "duplicate_slug", "slug");
        // Another application may use the slug.
        await http.PostJsonAsync(Definitions(ApiFixture.NewApplicationId()), new { name = "A", slug = "tier", type = "string" });

        fixture.SkipOnEmulator("enforce unique indexes");
        var racing = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            http.PostAsync(Definitions(app), Http.Json(new { name = "C", slug = "race", type = "string" }))));
        Assert.Equal(1, racing.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(7, racing.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }

    [Theory]
    [InlineData("string", "min", "\"a\"", "validations[0].value")]
    [InlineData("boolean", "max", "1", "validations[0].value")]
    [InlineData("number", "regex", "\"^a$\"", "validations[0].value")]
    [InlineData("string", "regex", "\"(a\"", "validations[0].value")]
    [InlineData("string", "regex", "\"(a)\\\\1\"", "validations[0].value")]
    [InlineData("date", "min", "\"31-01-2024\"", "validations[0].value")]
    [InlineData("json", "enum", "[\"a\"]", "validations[0].value")]
    [InlineData("string", "size", "1", "validations[0].type")]
    public async Task Validations_that_do_not_fit_the_type_are_400_with_the_reason(string type, string kind, string value, string field)
    {
        var http = await fixture.ClientAsync();
        var body = Http.RawJson($$"""{"name": "x", "slug": "x", "type": "{{type}}", "validations": [{"type": "{{kind}}", "value": {{value}}}]}""");
        var error = await (await http.PostAsync(Definitions(ApiFixture.NewApplicationId()), body)).ExpectAsync(HttpStatusCode.BadRequest);
        Http.AssertError(error, "validation_failed", field);
    }

    [Fact]
    public async Task Contradicting_validations_a_bad_type_or_missing_fields_are_400()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        Http.AssertError(await http.DefineAsync(app, "number", new { validations = new object[] { new { type = "min", value = 10 }, new { type = "max", value = 1 } } },
            HttpStatusCode.BadRequest), "validation_failed", "validations");
        Http.AssertError(await http.DefineAsync(app, "enum", status: HttpStatusCode.BadRequest), "validation_failed", "validations");
        Http.AssertError(await http.DefineAsync(app, "colour", status: HttpStatusCode.BadRequest), "validation_failed", "type");
        Http.AssertError(await http.PostJsonAsync(Definitions(app), new { name = "x" }, HttpStatusCode.BadRequest), "validation_failed", "slug");
        Http.AssertError(await http.DefineAsync(app, "number", new { default_value = "forty" }, HttpStatusCode.BadRequest),
            "validation_failed", "default_value");
        Http.AssertError(await http.PostJsonAsync(Definitions(app), new { name = "x", slug = "Bad Slug", type = "string" }, HttpStatusCode.BadRequest),
            "validation_failed", "slug");
    }

    [Fact]
    public async Task Update_changes_sent_fields_locked_definitions_are_409_until_unlocked()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var definition = await http.DefineAsync(app, "string", new { is_locked = true });
        var path = $"{Definitions(app)}/{Id(definition)}";

        Http.AssertError(await http.PutJsonAsync(path, new { name = "New" }, HttpStatusCode.Conflict), "definition_locked");
        Http.AssertError(await http.DeleteJsonAsync(path, status: HttpStatusCode.Conflict), "definition_locked");
        var unlocked = await http.PutJsonAsync(path, new { is_locked = false });
        Assert.False(unlocked.GetProperty("is_locked").GetBoolean());
        var renamed = await http.PutJsonAsync(path, new { name = "New", pinned = true, pin_order = 1 });
        Assert.Equal("New", renamed.GetProperty("name").GetString());
        Assert.Equal(definition.GetProperty("slug").GetString(), renamed.GetProperty("slug").GetString());
        Assert.Equal(2, renamed.GetProperty("__v").GetInt32());
        await http.PutJsonAsync($"{Definitions(app)}/{ApiFixture.NewApplicationId()}", new { name = "x" }, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Type_encrypted_and_slug_cannot_change_once_values_exist()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var definition = await http.DefineAsync(app, "string");
        var path = $"{Definitions(app)}/{Id(definition)}";
        await http.PutJsonAsync(path, new { type = "url" }); // no values yet: allowed
        var user = (await http.NewCustomerAsync(app)).Id;
        await http.SetAsync(app, Id(definition), user, "https://example.com");

        Http.AssertError(await http.PutJsonAsync(path, new { type = "string" }, HttpStatusCode.Conflict), "definition_in_use", "type");
        Http.AssertError(await http.PutJsonAsync(path, new { encrypted = true }, HttpStatusCode.Conflict), "definition_in_use", "encrypted");
        Http.AssertError(await http.PutJsonAsync(path, new { slug = "other" }, HttpStatusCode.Conflict), "definition_in_use", "slug");
        await http.PutJsonAsync(path, new { description = "still editable" });
    }

    [Fact]
    public async Task Delete_removes_the_definition_and_its_values()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var definition = await http.DefineAsync(app, "number");
        var user = (await http.NewCustomerAsync(app)).Id;
        var value = await http.SetAsync(app, Id(definition), user, 42);

        var deleted = await http.DeleteJsonAsync($"{Definitions(app)}/{Id(definition)}");

        Assert.Equal(JsonValueKind.String, deleted.GetProperty("success").ValueKind);
        await http.GetJsonAsync($"{Definitions(app)}/{Id(definition)}", HttpStatusCode.NotFound);
        await http.GetJsonAsync($"{Http.App(app)}/user_attribute/attribute/{Id(value)}", HttpStatusCode.NotFound);
        var store = fixture.Services.GetRequiredService<UserAuth.Api.Features.Attributes.IAttributeStore>();
        Assert.False(await store.HasValuesAsync(new Tenant("1001", app), Id(definition), CancellationToken.None));
        await http.DeleteJsonAsync($"{Definitions(app)}/{Id(definition)}", status: HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_filters_by_every_field_pages_and_puts_pinned_first_by_pin_order()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var plain = await http.PostJsonAsync(Definitions(app), new { name = "Favourite Colour", slug = "colour", type = "string" });
        var second = await http.PostJsonAsync(Definitions(app), new { name = "Second", slug = "second", type = "number", pinned = true, pin_order = 2 });
        var first = await http.PostJsonAsync(Definitions(app), new { name = "First", slug = "first", type = "boolean", pinned = true, pin_order = 1 });
        var secret = await http.PostJsonAsync(Definitions(app), new { name = "Secret", slug = "secret", type = "string", encrypted = true, customer_editable = true, is_locked = true });

        var all = await http.GetJsonAsync($"{Definitions(app)}?page_size=10");
        var ids = all.GetProperty("items").EnumerateArray().Select(Id).ToList();
        Assert.Equal([Id(first), Id(second), Id(secret), Id(plain)], ids);
        Assert.Equal(4, all.GetProperty("page").GetProperty("item_total").GetInt32());

        async Task<List<string>> Ids(string query) =>
            (await http.GetJsonAsync($"{Definitions(app)}?{query}")).GetProperty("items").EnumerateArray().Select(Id).ToList();
        Assert.Equal([Id(plain)], await Ids("slug=colour"));
        Assert.Equal([Id(second)], await Ids("type=number"));
        Assert.Equal([Id(secret)], await Ids("encrypted=true"));
        Assert.Equal([Id(secret)], await Ids("customer_editable=true"));
        Assert.Equal([Id(secret)], await Ids("is_locked=true"));
        Assert.Equal([Id(first), Id(second)], await Ids("pinned=true"));
        Assert.Equal([Id(second)], await Ids("pin_order=2"));
        Assert.Equal([Id(plain)], await Ids("name=COLOUR"));
        Assert.Equal([Id(secret), Id(plain)], await Ids($"excluding_ids={Id(first)},{Id(second)}"));
        Assert.Equal([Id(secret), Id(plain)], await Ids($"excluding_ids={Id(first)}&excluding_ids={Id(second)}"));
        var page2 = await http.GetJsonAsync($"{Definitions(app)}?page_size=3&page_no=2");
        Assert.Equal([Id(plain)], page2.GetProperty("items").EnumerateArray().Select(Id).ToList());
        Assert.False(page2.GetProperty("page").GetProperty("has_next").GetBoolean());
        Http.AssertError(await http.GetJsonAsync($"{Definitions(app)}?type=colour", HttpStatusCode.BadRequest), "validation_failed", "type");
        Http.AssertError(await http.GetJsonAsync($"{Definitions(app)}?page_no=0", HttpStatusCode.BadRequest), "validation_failed");
    }

    [Fact]
    public async Task Swagger_shows_the_reference_example_of_a_definition()
    {
        var swagger = await fixture.Anonymous().GetJsonAsync("/swagger/v1/swagger.json");
        var schemas = swagger.GetProperty("components").GetProperty("schemas");
        var example = schemas.GetProperty("UserAttributeDefinitionResponse").GetProperty("example");
        Assert.Equal("example_key", example.GetProperty("slug").GetString());
        Assert.True(schemas.GetProperty("CreateUserAttributeDefinition").TryGetProperty("example", out _));
        var paths = swagger.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains(paths, p => p.EndsWith("/user_attribute/users", StringComparison.Ordinal));
    }

    // ------------------------------------------------------------------ values

    [Theory]
    [InlineData("string", "\"gold\"", "\"gold\"")]
    [InlineData("number", "42.5", "42.5")]
    [InlineData("boolean", "true", "true")]
    [InlineData("date", "\"2024-01-31\"", "\"2024-01-31\"")]
    [InlineData("datetime", "\"2024-01-31T10:00:00+05:30\"", "\"2024-01-31T04:30:00.000Z\"")]
    [InlineData("email", "\"Ada@Example.com\"", "\"ada@example.com\"")]
    [InlineData("phone", "\"+91 98765 43210\"", "\"+919876543210\"")]
    [InlineData("url", "\"https://example.com/a\"", "\"https://example.com/a\"")]
    [InlineData("json", "{\"a\": [1, 2]}", "{\"a\":[1,2]}")]
    public async Task Each_type_takes_its_values_normalised(string type, string given, string stored)
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var definition = await http.DefineAsync(app, type);
        var user = (await http.NewCustomerAsync(app)).Id;

        var written = await (await http.PutAsync(Value(app, Id(definition), user), Http.RawJson($$$"""{"attribute": {"value": {{{given}}}}}""")))
            .ExpectAsync(HttpStatusCode.OK);
        var read = await http.GetJsonAsync(Value(app, Id(definition), user));

        Http.AssertNoNulls(written);
        var value = read.GetProperty("attribute").GetProperty("value");
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(stored).RootElement, value), $"expected {stored}, got {value.GetRawText()}");
        Assert.Equal(Id(written), Id(read));
        Assert.Equal(user, read.GetProperty("user_id").GetString());
        Assert.Equal(type, read.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("number", "\"42\"")]
    [InlineData("boolean", "\"true\"")]
    [InlineData("date", "\"31/01/2024\"")]
    [InlineData("datetime", "\"2024-01-31T10:00:00\"")]
    [InlineData("email", "\"not-an-email\"")]
    [InlineData("phone", "\"12\"")]
    [InlineData("url", "\"ftp://example.com\"")]
    [InlineData("string", "42")]
    [InlineData("string", "[\"a\"]")]
    public async Task A_value_of_the_wrong_type_is_400_naming_the_attribute(string type, string value)
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var definition = await http.DefineAsync(app, type);
        var user = (await http.NewCustomerAsync(app)).Id;

        var error = await (await http.PutAsync(Value(app, Id(definition), user), Http.RawJson($$$"""{"attribute": {"value": {{{value}}}}}""")))
            .ExpectAsync(HttpStatusCode.BadRequest);

        Http.AssertError(error, "validation_failed", "attribute.value");
        Assert.Contains(definition.GetProperty("slug").GetString()!, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await http.GetJsonAsync(Value(app, Id(definition), user), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Validations_apply_to_values_and_multi_value_takes_lists()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var code = await http.DefineAsync(app, "string", new { validations = new object[] { new { type = "regex", value = "^[A-Z]{3}$" }, new { type = "max", value = 3 } } });
        var age = await http.DefineAsync(app, "number", new { validations = new object[] { new { type = "min", value = 18 }, new { type = "max", value = 120 } } });
        var tier = await http.DefineAsync(app, "enum", new { validations = new object[] { new { type = "enum", value = new[] { "gold", "silver" } } } });
        var tags = await http.DefineAsync(app, "string", new { multi_value = true, validations = new object[] { new { type = "min", value = 2 } } });
        var since = await http.DefineAsync(app, "date", new { validations = new object[] { new { type = "min", value = "2020-01-01" } } });

        await http.SetAsync(app, Id(code), user, "ABC");
        Assert.Contains("regex", (await http.SetAsync(app, Id(code), user, "abc", HttpStatusCode.BadRequest)).GetProperty("message").GetString(), StringComparison.Ordinal);
        await http.SetAsync(app, Id(age), user, 30);
        Assert.Contains("min", (await http.SetAsync(app, Id(age), user, 17, HttpStatusCode.BadRequest)).GetProperty("message").GetString(), StringComparison.Ordinal);
        await http.SetAsync(app, Id(age), user, 121, HttpStatusCode.BadRequest);
        await http.SetAsync(app, Id(tier), user, "gold");
        await http.SetAsync(app, Id(tier), user, "bronze", HttpStatusCode.BadRequest);
        var list = await http.SetAsync(app, Id(tags), user, new[] { "vip", "early" });
        Assert.Equal(2, list.GetProperty("attribute").GetProperty("value").GetArrayLength());
        Http.AssertError(await http.SetAsync(app, Id(tags), user, new[] { "ok", "x" }, HttpStatusCode.BadRequest), "validation_failed", "attribute.value[1]");
        await http.SetAsync(app, Id(tags), user, "vip", HttpStatusCode.BadRequest);
        await http.SetAsync(app, Id(since), user, "2019-12-31", HttpStatusCode.BadRequest);
        await http.SetAsync(app, Id(since), user, "2020-01-01");
        Http.AssertError(await http.PutJsonAsync(Value(app, Id(age), user), new { attribute = 5 }, HttpStatusCode.BadRequest),
            "validation_failed", "attribute");

        var all = await http.GetJsonAsync($"{Http.App(app)}/user_attribute/user/{user}?page_size=2");
        Assert.Equal(5, all.GetProperty("page").GetProperty("item_total").GetInt32());
        Assert.Equal(2, all.GetProperty("items").GetArrayLength());
        Assert.Equal(30, (await http.GetJsonAsync(Value(app, Id(age), user))).GetProperty("attribute").GetProperty("value").GetInt32());
    }

    [Fact]
    public async Task A_hostile_value_cannot_stall_a_regex()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var definition = await http.DefineAsync(app, "string", new { validations = new object[] { new { type = "regex", value = "^(a+)+$" } } });
        var started = System.Diagnostics.Stopwatch.StartNew();
        await http.SetAsync(app, Id(definition), user, new string('a', 3000) + "!", HttpStatusCode.BadRequest);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task Batch_writes_are_all_or_nothing_and_bulk_delete_removes_the_listed_ones()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var user = (await http.NewCustomerAsync(app)).Id;
        var name = await http.DefineAsync(app, "string");
        var age = await http.DefineAsync(app, "number");
        var path = $"{Http.App(app)}/user_attribute/user/{user}";

        var bad = await http.PostJsonAsync(path, new { attributes = new object[] { new { definition_id = Id(name), value = "Ada" }, new { definition_id = Id(age), value = "42" } } },
            HttpStatusCode.BadRequest);
        Http.AssertError(bad, "validation_failed", "attributes[1].value");
        await http.GetJsonAsync(Value(app, Id(name), user), HttpStatusCode.NotFound);
        Http.AssertError(await http.PostJsonAsync(path, new { attributes = new object[] { new { definition_id = Id(name), value = "Ada" }, new { definition_id = ApiFixture.NewApplicationId(), value = 1 } } },
            HttpStatusCode.BadRequest), "validation_failed", "attributes[1].definition_id");

        var ok = await http.PostJsonAsync(path, new { attributes = new object[] { new { definition_id = Id(name), value = "Ada" }, new { definition_id = Id(age), value = 42 } } });
        Assert.True(ok.GetProperty("success").GetBoolean());
        Assert.Equal(2, ok.GetProperty("attributes").GetArrayLength());
        Assert.Equal("Ada", (await http.GetJsonAsync(Value(app, Id(name), user))).GetProperty("attribute").GetProperty("value").GetString());

        await http.DeleteJsonAsync(path, new { definition_ids = new[] { Id(name) } });
        await http.GetJsonAsync(Value(app, Id(name), user), HttpStatusCode.NotFound);
        await http.GetJsonAsync(Value(app, Id(age), user));
        await http.DeleteJsonAsync(Value(app, Id(age), user));
        await http.DeleteJsonAsync(Value(app, Id(age), user), status: HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Values_belong_to_live_users_of_the_same_application()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var other = ApiFixture.NewApplicationId();
        var definition = await http.DefineAsync(app, "string");
        var foreignDefinition = await http.DefineAsync(other, "string");
        var user = (await http.NewCustomerAsync(app)).Id;
        var foreignUser = (await http.NewCustomerAsync(other)).Id;
        var value = await http.SetAsync(app, Id(definition), user, "mine");

        Http.AssertError(await http.SetAsync(app, Id(definition), foreignUser, "x", HttpStatusCode.NotFound), "user_not_found");
        Http.AssertError(await http.SetAsync(app, Id(foreignDefinition), user, "x", HttpStatusCode.NotFound), "attribute_definition_not_found");
        await http.GetJsonAsync($"{Http.App(other)}/user_attribute/attribute/{Id(value)}", HttpStatusCode.NotFound);
        await http.GetJsonAsync($"{Definitions(other)}/{Id(definition)}", HttpStatusCode.NotFound);
        var otherCompany = await fixture.ClientAsync(TestClients.OtherCompany);
        await otherCompany.GetJsonAsync($"{Http.App(app, TestClients.OtherCompany.CompanyId)}/user_attribute/attribute/{Id(value)}", HttpStatusCode.NotFound);
        var readOnly = await fixture.ClientAsync(TestClients.ReadOnly);
        await readOnly.GetJsonAsync($"{Http.App(app)}/user_attribute/attribute/{Id(value)}");
        await readOnly.PutJsonAsync(Value(app, Id(definition), user), new { attribute = new { value = "x" } }, HttpStatusCode.Forbidden);
        await fixture.Anonymous().GetJsonAsync($"{Definitions(app)}", HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Deleting_hides_values_restoring_shows_them_archiving_and_erasing_remove_them()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var definition = await http.DefineAsync(app, "string");
        var user = (await http.NewCustomerAsync(app)).Id;
        var archived = (await http.NewCustomerAsync(app)).Id;
        var value = await http.SetAsync(app, Id(definition), user, "kept");
        await http.SetAsync(app, Id(definition), archived, "gone");
        var eq = new object[] { new { definition_id = Id(definition), type = "eq", value = "kept" } };

        await (await http.DeleteAsync($"{Http.App(app)}/customers/{user}?reason=bye")).ExpectAsync(HttpStatusCode.OK);
        await http.GetJsonAsync(Value(app, Id(definition), user), HttpStatusCode.NotFound);
        await http.GetJsonAsync($"{Http.App(app)}/user_attribute/attribute/{Id(value)}", HttpStatusCode.NotFound);
        Assert.Empty(UserIds(await http.FilterAsync(app, "and", eq)));
        Http.AssertError(await http.SetAsync(app, Id(definition), user, "x", HttpStatusCode.Conflict), "user_not_live");

        await http.PutJsonAsync($"{Http.App(app)}/customers/undelete", new { user_id = user, reason = "back" });
        Assert.Equal("kept", (await http.GetJsonAsync(Value(app, Id(definition), user))).GetProperty("attribute").GetProperty("value").GetString());
        Assert.Equal([user], UserIds(await http.FilterAsync(app, "and", eq)));

        await http.PutJsonAsync($"{Http.App(app)}/customers/archive", new { user_id = archived });
        var store = fixture.Services.GetRequiredService<UserAuth.Api.Features.Attributes.IAttributeStore>();
        var tenant = new Tenant("1001", app);
        Assert.Empty((await store.ListValuesOfUserAsync(tenant, archived, 0, 10, CancellationToken.None)).Items);

        await fixture.Services.GetRequiredService<UserService>().MutateAsync(tenant, user, u =>
        {
            u.State = UserState.Erased;
            return true;
        }, CancellationToken.None);
        Assert.Empty((await store.ListValuesOfUserAsync(tenant, user, 0, 10, CancellationToken.None)).Items);
        Assert.False(await store.HasValuesAsync(tenant, Id(definition), CancellationToken.None));
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteAttributesApiTests(SqliteApiFixture fixture) : AttributesApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoAttributesApiTests(MongoApiFixture fixture) : AttributesApiTests(fixture);
