using System.Net;
using System.Text;
using System.Text.Json;
using UserAuth.Tests.Attributes;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.BulkJobs;

/// <summary>
/// The <c>attribute.&lt;slug&gt;</c> columns of import and export files, the export's filters (search, status, created
/// range, attribute conditions) and who gets encrypted values in clear, through HTTP, against each store.
/// </summary>
public abstract class BulkAttributeColumnsTests(ApiFixture fixture)
{
    private static string Id(JsonElement job) => job.GetProperty("_id").GetString()!;

    /// <summary>Definitions with fixed slugs (the same in every application, so files move between them).</summary>
    private static async Task<Dictionary<string, string>> DefineAllAsync(HttpClient http, string app)
    {
        var ids = new Dictionary<string, string>();
        async Task Define(string slug, string type, object? extra = null)
        {
            var body = new Dictionary<string, object?> { ["slug"] = slug };
            if (extra is not null)
            {
                foreach (var property in JsonSerializer.SerializeToElement(extra).EnumerateObject())
                {
                    body[property.Name] = property.Value;
                }
            }

            ids[slug] = AttributeApi.Id(await http.DefineAsync(app, type, body));
        }

        await Define("age", "number", new { validations = new object[] { new { type = "min", value = 0 } } });
        await Define("birthday", "date");
        await Define("newsletter", "boolean");
        await Define("secret_code", "string", new { encrypted = true });
        await Define("tags", "string", new { multi_value = true });
        await Define("title", "string");
        return ids;
    }

    private static async Task<JsonElement> ExportAsync(HttpClient http, string app, object body)
    {
        var job = await http.PostJsonAsync($"{Http.App(app)}/users/jobs/export", body);
        return await Bulk.WaitAsync(http, app, Id(job));
    }

    private const string Columns = "attribute.age,attribute.birthday,attribute.newsletter,attribute.secret_code,attribute.tags,attribute.title";

    [Fact]
    public async Task Round_trip_with_attribute_columns_gives_identical_files_in_csv_and_xlsx()
    {
        var http = await fixture.ClientAsync(TestClients.Decrypting);
        var a = ApiFixture.NewApplicationId();
        var defs = await DefineAllAsync(http, a);
        var first = await http.NewUserAsync(a);
        await http.SetAsync(a, defs["age"], first, 42.5);
        await http.SetAsync(a, defs["birthday"], first, "1990-05-17");
        await http.SetAsync(a, defs["newsletter"], first, true);
        await http.SetAsync(a, defs["secret_code"], first, "s3cr3t, with \"quotes\"");
        await http.SetAsync(a, defs["tags"], first, new[] { "vip", "early, adopter" });
        await http.SetAsync(a, defs["title"], first, "Dr.");
        var second = await http.NewUserAsync(a); // no values at all
        var third = await http.NewUserAsync(a);
        await http.SetAsync(a, defs["age"], third, 7);
        await http.SetAsync(a, defs["newsletter"], third, false);

        var exported = await ExportAsync(http, a, new { file_format = "csv" });
        Assert.Equal((3L, 3L, 0L), Bulk.Count(exported));
        var csv = await Bulk.DownloadAsync(http, Bulk.Link(exported, "file"));
        var rows = Bulk.ParseCsv(csv);
        Assert.Equal(Bulk.Header + "," + Columns, string.Join(",", rows[0]));
        Assert.Equal(["42.5", "1990-05-17", "true", "s3cr3t, with \"quotes\"", "[\"vip\",\"early, adopter\"]", "Dr."], rows[1][7..]);
        Assert.Equal(["", "", "", "", "", ""], rows[2][7..]);
        Assert.Equal(["7", "", "false", "", "", ""], rows[3][7..]);
        var xlsx = Bulk.ParseXlsx(await Bulk.DownloadAsync(http, Bulk.Link(await ExportAsync(http, a, new { file_format = "xlsx" }), "file")));
        Assert.Equal(rows.Select(r => string.Join("|", r)), xlsx.Select(r => string.Join("|", r)));
        _ = second;

        // Into a new application with the same definitions, from the CSV file and from the XLSX file.
        foreach (var (file, name) in new[] { (csv, "users.csv"), (await Bulk.DownloadAsync(http, Bulk.Link(await ExportAsync(http, a, new { file_format = "xlsx" }), "file")), "users.xlsx") })
        {
            var b = ApiFixture.NewApplicationId();
            var bDefs = await DefineAllAsync(http, b);
            var imported = await Bulk.WaitAsync(http, b, Id(await Bulk.UploadAsync(http, b, file, name)));
            Assert.Equal("completed", imported.GetProperty("status").GetString());
            Assert.Equal((3L, 3L, 0L), Bulk.Count(imported));
            var again = await ExportAsync(http, b, new { file_format = "csv" });
            Assert.Equal(Encoding.UTF8.GetString(csv), Encoding.UTF8.GetString(await Bulk.DownloadAsync(http, Bulk.Link(again, "file"))));

            // The values are real attribute values of the imported users, read back through the Attributes API.
            var users = (await http.GetJsonAsync($"{Http.App(b)}/customers/list")).GetProperty("items").EnumerateArray()
                .ToDictionary(u => u.GetProperty("username").GetString()!, u => u.GetProperty("_id").GetString()!);
            var firstCopy = users[rows[1][0]];
            var secret = await http.GetJsonAsync(AttributeApi.Value(b, bDefs["secret_code"], firstCopy));
            Assert.Equal("s3cr3t, with \"quotes\"", secret.GetProperty("attribute").GetProperty("value").GetString());
            var tags = await http.GetJsonAsync(AttributeApi.Value(b, bDefs["tags"], firstCopy));
            Assert.Equal(2, tags.GetProperty("attribute").GetProperty("value").GetArrayLength());
        }
    }

    [Fact]
    public async Task Encrypted_values_are_exported_only_to_a_token_with_the_decrypt_scope()
    {
        var decrypting = await fixture.ClientAsync(TestClients.Decrypting);
        var plain = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var defs = await DefineAllAsync(plain, app);
        var user = await plain.NewUserAsync(app);
        await plain.SetAsync(app, defs["secret_code"], user, "top secret");
        await plain.SetAsync(app, defs["title"], user, "Ms.");

        var withScope = Bulk.ParseCsv(await Bulk.DownloadAsync(decrypting,
            Bulk.Link(await ExportAsync(decrypting, app, new { file_format = "csv" }), "file")));
        Assert.Equal(["", "", "", "top secret", "", "Ms."], withScope[1][7..]);

        var withoutScope = await Bulk.DownloadAsync(plain, Bulk.Link(await ExportAsync(plain, app, new { file_format = "csv" }), "file"));
        var rows = Bulk.ParseCsv(withoutScope);
        Assert.Equal(Bulk.Header + "," + Columns, string.Join(",", rows[0]));
        Assert.Equal(["", "", "", "", "", "Ms."], rows[1][7..]);
        Assert.DoesNotContain("top secret", Encoding.UTF8.GetString(withoutScope), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_checks_attribute_cells_like_updateUserAttribute_and_a_dry_run_writes_no_value()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var defs = await DefineAllAsync(http, app);
        var header = Bulk.Header + ",attribute.age,attribute.tags,attribute.newsletter";
        var good = Build.Username();
        var file = Bulk.Csv(
            header,
            Bulk.Row(good) + ",30,\"[\"\"a\"\"]\",true",        // row 2: ok
            Bulk.Row() + ",-1,,",                            // row 3: age under its min
            Bulk.Row() + ",abc,,",                           // row 4: age not a number
            Bulk.Row() + ",,not json,",                      // row 5: tags not a JSON list
            Bulk.Row() + ",,,maybe",                         // row 6: not a boolean
            Bulk.Row(phone: "12") + ",5,,");                 // row 7: phone and nothing else wrong

        var dry = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, file, dryRun: true)));
        Assert.Equal((6L, 1L, 5L), Bulk.Count(dry));
        Assert.Equal(0, (await http.GetJsonAsync($"{Http.App(app)}/customers/list")).GetProperty("page").GetProperty("item_total").GetInt64());

        var job = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app, file)));
        Assert.Equal((6L, 1L, 5L), Bulk.Count(job));
        var errors = Bulk.ParseCsv(await Bulk.DownloadAsync(http, Bulk.Link(job, "error")));
        Assert.Equal(["row", .. header.Split(','), "error"], errors[0]);
        var byRow = errors.Skip(1).ToDictionary(r => r[0], r => r[^1]);
        Assert.Equal(["3", "4", "5", "6", "7"], byRow.Keys.Order().ToArray());
        Assert.StartsWith("attribute.age: attribute 'age'", byRow["3"], StringComparison.Ordinal);
        Assert.StartsWith("attribute.age:", byRow["4"], StringComparison.Ordinal);
        Assert.Contains("attribute.tags: attribute 'tags' is multi-value", byRow["5"], StringComparison.Ordinal);
        Assert.StartsWith("attribute.newsletter:", byRow["6"], StringComparison.Ordinal);
        Assert.Contains("phone", byRow["7"], StringComparison.OrdinalIgnoreCase);

        var users = (await http.GetJsonAsync($"{Http.App(app)}/customers/list")).GetProperty("items").EnumerateArray().ToList();
        var id = Assert.Single(users).GetProperty("_id").GetString()!;
        var age = await http.GetJsonAsync(AttributeApi.Value(app, defs["age"], id));
        Assert.Equal(30, age.GetProperty("attribute").GetProperty("value").GetDouble());

        // A column naming no definition of the application fails the job with the reason.
        var unknown = await Bulk.WaitAsync(http, app, Id(await Bulk.UploadAsync(http, app,
            Bulk.Csv(Bulk.Header + ",attribute.nope", Bulk.Row() + ",1"))));
        Assert.Equal("failed", unknown.GetProperty("status").GetString());
        Assert.Contains("attribute.nope", unknown.GetProperty("failure_reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_filters_by_attribute_conditions_search_status_and_created_range()
    {
        var http = await fixture.ClientAsync();
        var app = ApiFixture.NewApplicationId();
        var p = Http.App(app);
        var defs = await DefineAllAsync(http, app);
        var names = new List<string>();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var user = await http.PostJsonAsync($"{p}/customers", Build.User(firstName: i < 2 ? "Zelda" : "Akash", email: $"{Build.Username()}@example.com"));
            ids.Add(user.GetProperty("user").GetProperty("_id").GetString()!);
            names.Add(user.GetProperty("user").GetProperty("username").GetString()!);
            await http.SetAsync(app, defs["age"], ids[i], i * 10);
            await Task.Delay(5);
        }

        async Task<List<string>> Usernames(object body)
        {
            var job = await ExportAsync(http, app, body);
            Assert.Equal("completed", job.GetProperty("status").GetString());
            return Bulk.ParseCsv(await Bulk.DownloadAsync(http, Bulk.Link(job, "file"))).Skip(1).Select(r => r[0]).ToList();
        }

        // Attribute conditions, joined by and / or.
        Assert.Equal(names[3..], await Usernames(new
        {
            file_format = "csv",
            attribute_filter = new { conditions = new[] { new { definition_id = defs["age"], type = "gte", value = (object)30 } } },
        }));
        Assert.Equal([names[1], names[2]], await Usernames(new
        {
            file_format = "csv",
            attribute_filter = new
            {
                type = "and",
                conditions = new[]
                {
                    new { definition_id = defs["age"], type = "gt", value = (object)0 },
                    new { definition_id = defs["age"], type = "lt", value = (object)30 },
                },
            },
        }));
        Assert.Equal([names[0], names[4]], await Usernames(new
        {
            file_format = "csv",
            attribute_filter = new
            {
                type = "or",
                conditions = new[]
                {
                    new { definition_id = defs["age"], type = "eq", value = (object)0 },
                    new { definition_id = defs["age"], type = "eq", value = (object)40 },
                },
            },
        }));

        // search: a first-name prefix, or an exact username prefix.
        Assert.Equal(names[..2], await Usernames(new { file_format = "csv", search = "zel" }));
        Assert.Equal([names[3]], await Usernames(new { file_format = "csv", search = names[3] }));

        // status: block two users.
        await http.PutJsonAsync($"{p}/customers/activation", new { user_id = new[] { ids[1], ids[3] }, status = false, reason = "test" });
        Assert.Equal([names[1], names[3]], await Usernames(new { file_format = "csv", status = "blocked" }));
        Assert.Equal([names[0], names[2], names[4]], await Usernames(new { file_format = "csv", status = "active" }));
        Assert.Equal(names, await Usernames(new { file_format = "csv" }));

        // created range: from the third user's creation to the fourth's.
        var created = (await http.GetJsonAsync($"{p}/customers/list")).GetProperty("items").EnumerateArray()
            .ToDictionary(u => u.GetProperty("_id").GetString()!, u => u.GetProperty("created_at").GetString()!);
        Assert.Equal(names[2..4], await Usernames(new { file_format = "csv", created_from = created[ids[2]], created_to = created[ids[3]] }));
        Assert.Equal(names[..1], await Usernames(new { file_format = "csv", created_to = created[ids[0]] }));

        // Bad conditions are a 400 naming the condition.
        Http.AssertError(await http.PostJsonAsync($"{p}/users/jobs/export", new
        {
            file_format = "csv",
            attribute_filter = new { conditions = new[] { new { definition_id = "5e68af49cfa09bf7233022f1", type = "eq", value = (object)1 } } },
        }, HttpStatusCode.BadRequest), "validation_failed", "attribute_filter.conditions[0].definition_id");
        Http.AssertError(await http.PostJsonAsync($"{p}/users/jobs/export", new
        {
            file_format = "csv",
            attribute_filter = new { conditions = new[] { new { definition_id = defs["age"], type = "sw", value = (object)"1" } } },
        }, HttpStatusCode.BadRequest), "validation_failed", "attribute_filter.conditions[0].type");
        Http.AssertError(await http.PostJsonAsync($"{p}/users/jobs/export", new
        {
            file_format = "csv",
            attribute_filter = new { type = "xor", conditions = new[] { new { definition_id = defs["age"], type = "eq", value = (object)1 } } },
        }, HttpStatusCode.BadRequest), "validation_failed", "attribute_filter.type");
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteBulkAttributeColumnsTests(SqliteApiFixture fixture) : BulkAttributeColumnsTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoBulkAttributeColumnsTests(MongoApiFixture fixture) : BulkAttributeColumnsTests(fixture);
