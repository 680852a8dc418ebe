using System.Net;
using System.Text.Json;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Customers;

/// <summary>createUser, updateUser, getCustomers and searchUsers through HTTP, against each store.</summary>
public abstract class CustomersApiTests(ApiFixture fixture)
{
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    [Fact]
    public async Task Create_answers_the_reference_shape_with_normalised_identifiers()
    {
        var http = await fixture.ClientAsync();
        var user = (await http.NewCustomerAsync(app, Build.User(username: "Akash_Mane", phone: "+91 86525 23958", email: " AkashMane@GoFynd.com "))).Json;

        Assert.Matches("^[0-9a-f]{24}$", user.GetProperty("_id").GetString());
        Assert.Equal("Akash_Mane", user.GetProperty("username").GetString());
        Assert.True(user.GetProperty("active").GetBoolean());
        Assert.Equal("user", user.GetProperty("account_type").GetString());
        Assert.Equal(app, user.GetProperty("application_id").GetString());
        var phone = Assert.Single(user.GetProperty("phone_numbers").EnumerateArray());
        Assert.Equal("8652523958", phone.GetProperty("phone").GetString());
        Assert.Equal(JsonValueKind.Number, phone.GetProperty("country_code").ValueKind);
        Assert.Equal(91, phone.GetProperty("country_code").GetInt32());
        Assert.True(phone.GetProperty("primary").GetBoolean());
        var email = Assert.Single(user.GetProperty("emails").EnumerateArray());
        Assert.Equal("akashmane@gofynd.com", email.GetProperty("email").GetString());
        Assert.Equal("tests", user.GetProperty("meta").GetProperty("source").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", user.GetProperty("created_at").GetString());
        Assert.Equal(0, user.GetProperty("__v").GetInt32());
        // The official client rejects null for typed fields: nothing is sent as null.
        Http.AssertNoNulls(user);
    }

    [Fact]
    public async Task Create_requires_username_and_phone_and_names_every_bad_field()
    {
        var http = await fixture.ClientAsync();
        var body = await http.PostJsonAsync($"{P}/customers", new { email = "not-an-email" }, HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "username");
        Http.AssertError(body, "validation_failed", "phone_number");
        Http.AssertError(body, "validation_failed", "email");
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("abc")]
    [InlineData("+1 555 0000 00000 000")]
    public async Task Create_rejects_an_invalid_phone(string phone)
    {
        var http = await fixture.ClientAsync();
        var body = await http.PostJsonAsync($"{P}/customers", Build.User(phone: phone), HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "phone_number");
    }

    [Theory]
    [InlineData("{\"username\": 5, \"phone_number\": \"9876543210\"}")]
    [InlineData("{\"username\": \"a\", \"phone_number\": [\"9876543210\"]}")]
    [InlineData("{\"username\": \"a\", ")]
    [InlineData("[]")]
    [InlineData("")]
    [InlineData("{\"username\": \"a\", \"phone_number\": \"9876543210\", \"meta\": \"text\"}")]
    public async Task Malformed_bodies_are_a_400_with_an_error_body(string json)
    {
        var http = await fixture.ClientAsync();
        var response = await http.PostAsync($"{P}/customers", Http.RawJson(json));
        var body = await response.ExpectAsync(HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("message").GetString()));
        Assert.True(body.TryGetProperty("code", out _));
    }

    [Fact]
    public async Task Duplicate_identifiers_in_one_application_are_409_naming_the_field()
    {
        var http = await fixture.ClientAsync();
        var phone = Build.Phone();
        var email = $"{Build.Username()}@example.com";
        var first = Build.User(phone: phone, email: email);
        await http.NewCustomerAsync(app, first);

        var sameUsername = await http.PostJsonAsync($"{P}/customers",
            Build.User(username: ((string)first["username"]!).ToUpperInvariant()), HttpStatusCode.Conflict);
        Http.AssertError(sameUsername, "duplicate_username", "username");

        // The same phone in another common format.
        var samePhone = await http.PostJsonAsync($"{P}/customers", Build.User(phone: "+91-" + phone), HttpStatusCode.Conflict);
        Http.AssertError(samePhone, "duplicate_phone", "phone_number");

        var sameEmail = await http.PostJsonAsync($"{P}/customers", Build.User(email: email.ToUpperInvariant()), HttpStatusCode.Conflict);
        Http.AssertError(sameEmail, "duplicate_email", "email");

        // Another application of the same company is another namespace.
        await http.PostJsonAsync($"{Http.App(ApiFixture.NewApplicationId())}/customers", first);
    }

    [Fact]
    public async Task Concurrent_creates_with_one_username_make_exactly_one_user()
    {
        fixture.SkipOnEmulator("enforce unique indexes");
        var http = await fixture.ClientAsync();
        var username = Build.Username();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            http.PostAsync($"{P}/customers", Http.Json(Build.User(username: username)))));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var list = await http.GetJsonAsync($"{P}/customers/list?q={username}");
        Assert.Equal(1, list.GetProperty("page").GetProperty("item_total").GetInt32());
    }

    [Fact]
    public async Task Update_changes_only_sent_fields_replaces_lists_and_bumps_version()
    {
        var http = await fixture.ClientAsync();
        var user = (await http.NewCustomerAsync(app, Build.User(firstName: "Akash", lastName: "Mane", email: $"{Build.Username()}@example.com"))).Json;
        var id = user.GetProperty("_id").GetString();
        var newPhone = Build.Phone();

        var updated = (await http.PutJsonAsync($"{P}/customers/{id}", new
        {
            first_name = "Akashdeep",
            emails = new object[]
            {
                new { email = "one@example.com", primary = false, verified = true, active = true },
                new { email = "Two@Example.com", primary = true, verified = false, active = true },
            },
            phone_numbers = new object[] { new { phone = newPhone, country_code = "91", primary = true, verified = true, active = true } },
        })).GetProperty("user");

        Assert.Equal("Akashdeep", updated.GetProperty("first_name").GetString());
        Assert.Equal("Mane", updated.GetProperty("last_name").GetString());
        Assert.Equal(1, updated.GetProperty("__v").GetInt32());
        Assert.Equal(["one@example.com", "two@example.com"],
            updated.GetProperty("emails").EnumerateArray().Select(e => e.GetProperty("email").GetString()!).ToArray());
        var phone = Assert.Single(updated.GetProperty("phone_numbers").EnumerateArray());
        Assert.Equal(newPhone, phone.GetProperty("phone").GetString());
        Assert.Equal(91, phone.GetProperty("country_code").GetInt32());

        // The old phone is free again; the new one is taken.
        await http.NewCustomerAsync(app, Build.User(phone: user.GetProperty("phone_numbers")[0].GetProperty("phone").GetString()));
        var taken = await http.PostJsonAsync($"{P}/customers", Build.User(phone: newPhone), HttpStatusCode.Conflict);
        Http.AssertError(taken, "duplicate_phone", "phone_number");
    }

    [Fact]
    public async Task Update_validates_lists_and_reports_conflicts_with_other_users()
    {
        var http = await fixture.ClientAsync();
        var other = (await http.NewCustomerAsync(app, Build.User(email: $"{Build.Username()}@example.com"))).Json;
        var user = (await http.NewCustomerAsync(app, Build.User())).Json;
        var id = user.GetProperty("_id").GetString();

        var twoPrimaries = await http.PutJsonAsync($"{P}/customers/{id}", new
        {
            emails = new object[] { new { email = "a@example.com", primary = true }, new { email = "b@example.com", primary = true } },
        }, HttpStatusCode.BadRequest);
        Http.AssertError(twoPrimaries, "validation_failed", "emails");

        var noPhones = await http.PutJsonAsync($"{P}/customers/{id}", new { phone_numbers = Array.Empty<object>() }, HttpStatusCode.BadRequest);
        Http.AssertError(noPhones, "validation_failed", "phone_numbers");

        var badCountry = await http.PutJsonAsync($"{P}/customers/{id}", new
        {
            phone_numbers = new object[] { new { phone = Build.Phone(), country_code = "999", primary = true } },
        }, HttpStatusCode.BadRequest);
        Http.AssertError(badCountry, "validation_failed");

        var clash = await http.PutJsonAsync($"{P}/customers/{id}", new
        {
            emails = new object[] { new { email = other.GetProperty("emails")[0].GetProperty("email").GetString(), primary = true } },
        }, HttpStatusCode.Conflict);
        Http.AssertError(clash, "duplicate_email", "emails");

        // Nothing was half written: the version is unchanged.
        var list = await http.GetJsonAsync($"{P}/customers/list?q={user.GetProperty("username").GetString()}");
        Assert.Equal(0, list.GetProperty("items")[0].GetProperty("__v").GetInt32());
    }

    [Fact]
    public async Task Update_of_an_unknown_or_malformed_id_is_404_or_400()
    {
        var http = await fixture.ClientAsync();
        var missing = await http.PutJsonAsync($"{P}/customers/{ApiFixture.NewApplicationId()}", new { first_name = "x" }, HttpStatusCode.NotFound);
        Http.AssertError(missing, "user_not_found");
        var malformed = await http.PutJsonAsync($"{P}/customers/not-an-id", new { first_name = "x" }, HttpStatusCode.BadRequest);
        Http.AssertError(malformed, "validation_failed", "user_id");
    }

    [Fact]
    public async Task Concurrent_updates_of_different_fields_lose_no_write()
    {
        var http = await fixture.ClientAsync();
        var id = (await http.NewCustomerAsync(app, Build.User())).Id;
        var changes = new Dictionary<string, string>
        {
            ["first_name"] = "F",
            ["last_name"] = "L",
            ["gender"] = "female",
            ["external_id"] = "ext-1",
            ["rr_id"] = "rr-1",
        };
        var responses = await Task.WhenAll(changes.Select(c =>
            http.PutAsync($"{P}/customers/{id}", Http.Json(new Dictionary<string, string> { [c.Key] = c.Value }))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        // An empty update changes nothing and answers the stored user.
        var stored = await http.PutJsonAsync($"{P}/customers/{id}", new { });
        foreach (var (field, value) in changes)
        {
            Assert.Equal(value, stored.GetProperty("user").GetProperty(field).GetString());
        }

        Assert.Equal(changes.Count, stored.GetProperty("user").GetProperty("__v").GetInt32());
    }

    [Fact]
    public async Task List_is_newest_first_with_exact_paging()
    {
        var http = await fixture.ClientAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await http.NewCustomerAsync(app, Build.User())).Id!);
        }

        var page1 = await http.GetJsonAsync($"{P}/customers/list?page_size=2&page_no=1");
        var page3 = await http.GetJsonAsync($"{P}/customers/list?page_size=2&page_no=3");
        Assert.Equal([ids[4], ids[3]], page1.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("_id").GetString()!).ToArray());
        Assert.Equal([ids[0]], page3.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("_id").GetString()!).ToArray());
        var page = page1.GetProperty("page");
        Assert.Equal("number", page.GetProperty("type").GetString());
        Assert.Equal(1, page.GetProperty("current").GetInt32());
        Assert.Equal(2, page.GetProperty("size").GetInt32());
        Assert.Equal(5, page.GetProperty("item_total").GetInt32());
        Assert.True(page.GetProperty("has_next").GetBoolean());
        Assert.False(page3.GetProperty("page").GetProperty("has_next").GetBoolean());

        var defaults = await http.GetJsonAsync($"{P}/customers/list");
        Assert.Equal(10, defaults.GetProperty("page").GetProperty("size").GetInt32());
        var largest = await http.GetJsonAsync($"{P}/customers/list?page_size=100");
        Assert.Equal(100, largest.GetProperty("page").GetProperty("size").GetInt32());
    }

    [Theory]
    [InlineData("page_no=0")]
    [InlineData("page_size=0")]
    [InlineData("page_size=abc")]
    [InlineData("page_no=-3")]
    [InlineData("page_no=0x10")]
    [InlineData("page_no=%2016")]
    [InlineData("page_no=1e1")]
    [InlineData("page_size=101")]
    [InlineData("page_size=100000")]
    public async Task List_rejects_bad_paging(string query)
    {
        var http = await fixture.ClientAsync();
        var body = await http.GetJsonAsync($"{P}/customers/list?{query}", HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", query[..query.IndexOf('=')]);
    }

    [Fact]
    public async Task List_q_finds_by_email_phone_in_any_format_username_and_name_prefix()
    {
        var http = await fixture.ClientAsync();
        var phone = Build.Phone();
        var username = Build.Username("zed");
        var email = $"{username}@example.com";
        var target = (await http.NewCustomerAsync(app, Build.User(username: username, phone: phone, email: email, firstName: "Quentin", lastName: "Zarathustra"))).Json;
        await http.NewCustomerAsync(app, Build.User(firstName: "Other", lastName: "Person"));
        var id = target.GetProperty("_id").GetString();

        foreach (var q in new[]
                 {
                     email, email.ToUpperInvariant(), phone, "+91" + phone, "+91 " + phone[..5] + " " + phone[5..], "0" + phone,
                     "91" + phone, username, username[..6], "quen", "ZARA",
                 })
        {
            var list = await http.GetJsonAsync($"{P}/customers/list?q={Uri.EscapeDataString(q)}");
            var found = list.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("_id").GetString()).ToList();
            Assert.True(found.Count == 1 && found[0] == id, $"q={q} found {found.Count} users");
            Assert.Equal(1, list.GetProperty("page").GetProperty("item_total").GetInt32());
        }

        var none = await http.GetJsonAsync($"{P}/customers/list?q=nobody-{Guid.NewGuid():N}");
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Search_takes_q_or_a_repeated_query_of_emails_and_phones()
    {
        var http = await fixture.ClientAsync();
        var a = (await http.NewCustomerAsync(app, Build.User(email: $"{Build.Username()}@example.com"))).Json;
        var b = (await http.NewCustomerAsync(app, Build.User())).Json;
        await http.NewCustomerAsync(app, Build.User());

        var byQ = await http.GetJsonAsync($"{P}/customers/search?q={a.GetProperty("emails")[0].GetProperty("email").GetString()}");
        Assert.Equal(a.GetProperty("_id").GetString(), Assert.Single(byQ.GetProperty("users").EnumerateArray()).GetProperty("_id").GetString());

        var bPhone = "+91" + b.GetProperty("phone_numbers")[0].GetProperty("phone").GetString();
        var byQuery = await http.GetJsonAsync(
            $"{P}/customers/search?query={Uri.EscapeDataString(a.GetProperty("emails")[0].GetProperty("email").GetString()!)}&query={Uri.EscapeDataString(bPhone)}");
        Assert.Equal(
            new[] { a.GetProperty("_id").GetString(), b.GetProperty("_id").GetString() }.Order(),
            byQuery.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("_id").GetString()).Order());

        var empty = await http.GetJsonAsync($"{P}/customers/search", HttpStatusCode.BadRequest);
        Http.AssertError(empty, "validation_failed", "q");
    }

    [Fact]
    public async Task Tokens_are_checked_for_company_application_and_scope()
    {
        var anonymous = fixture.Anonymous();
        var none = await anonymous.GetJsonAsync($"{P}/customers/list", HttpStatusCode.Unauthorized);
        Http.AssertError(none, "unauthorized");

        var main = await fixture.ClientAsync();
        var userId = (await main.NewCustomerAsync(app, Build.User())).Id;

        var other = await fixture.ClientAsync(TestClients.OtherCompany);
        Http.AssertError(await other.GetJsonAsync($"{P}/customers/list", HttpStatusCode.Forbidden), "forbidden");
        await other.PostJsonAsync($"{P}/customers", Build.User(), HttpStatusCode.Forbidden);
        await other.PutJsonAsync($"{P}/customers/{userId}", new { first_name = "x" }, HttpStatusCode.Forbidden);
        // Its own company's path does not reach this company's data.
        var own = await other.GetJsonAsync($"{Http.App(app, TestClients.OtherCompany.CompanyId)}/customers/list");
        Assert.Equal(0, own.GetProperty("items").GetArrayLength());

        var readOnly = await fixture.ClientAsync(TestClients.ReadOnly);
        await readOnly.GetJsonAsync($"{P}/customers/list");
        Http.AssertError(await readOnly.PostJsonAsync($"{P}/customers", Build.User(), HttpStatusCode.Forbidden), "forbidden");

        var oneApp = await fixture.ClientAsync(TestClients.OneApplication);
        await oneApp.GetJsonAsync($"{Http.App(TestClients.OneApplicationId)}/customers/list");
        await oneApp.GetJsonAsync($"{P}/customers/list", HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Malformed_tenant_ids_are_400()
    {
        var http = await fixture.ClientAsync();
        var body = await http.GetJsonAsync("/service/platform/user/v1.0/company/1001/application/not-hex/customers/list", HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "application_id");
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteCustomersApiTests(SqliteApiFixture fixture) : CustomersApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoCustomersApiTests(MongoApiFixture fixture) : CustomersApiTests(fixture);
