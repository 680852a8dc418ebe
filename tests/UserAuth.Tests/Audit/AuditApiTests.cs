using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Audit;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Storage.Sqlite;
using UserAuth.Tests.Infrastructure;
using UserAuth.Tests.Sessions;

namespace UserAuth.Tests.Audit;

/// <summary>The audit trail (getAuditTrail) and the timeline kept in the audit store, through HTTP, against each store.</summary>
public abstract class AuditApiTests(ApiFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string app = ApiFixture.NewApplicationId();

    private string P => Http.App(app);

    private async Task<List<JsonElement>> TrailAsync(HttpClient http, string? userId = null, int pageSize = 100)
    {
        var page = await http.GetJsonAsync($"{P}/audit?page_size={pageSize}" + (userId is null ? "" : $"&user_id={userId}"));
        Http.AssertNoNulls(page);
        return page.GetProperty("items").EnumerateArray().ToList();
    }

    private static Dictionary<string, string> Changes(JsonElement record) =>
        record.GetProperty("changes").EnumerateArray().ToDictionary(c => c.GetProperty("field").GetString()!, c => c.GetProperty("value").GetString()!);

    private async Task<string> NewUserAsync(HttpClient http) =>
        (await http.PostJsonAsync($"{P}/customers", Build.User(email: $"{Build.Username()}@example.com")))
            .GetProperty("user").GetProperty("_id").GetString()!;

    [Fact]
    public async Task A_write_records_who_what_when_from_where_and_the_fields_with_personal_values_masked()
    {
        var http = await fixture.ClientAsync();
        var before = DateTime.UtcNow.AddSeconds(-1);
        using var response = await http.PostAsync($"{P}/customers", Http.Json(Build.User(email: "ada@example.com")));
        var created = await response.ExpectAsync(HttpStatusCode.OK);
        var id = created.GetProperty("user").GetProperty("_id").GetString()!;

        var record = Assert.Single(await TrailAsync(http, id));
        Assert.Equal(TestClients.Main.ClientId, record.GetProperty("client_id").GetString());
        Assert.Equal("POST", record.GetProperty("method").GetString());
        Assert.Equal("createUser", record.GetProperty("operation").GetString());
        Assert.Equal(200, record.GetProperty("status").GetInt32());
        Assert.Equal(id, record.GetProperty("user_id").GetString());
        Assert.False(string.IsNullOrWhiteSpace(record.GetProperty("request_id").GetString()));
        Assert.InRange(DateTime.Parse(record.GetProperty("at").GetString()!, null, System.Globalization.DateTimeStyles.AdjustToUniversal),
            before, DateTime.UtcNow.AddSeconds(1));
        Assert.Contains(record.GetProperty("resource_ids").EnumerateArray(),
            r => r.GetProperty("name").GetString() == "user_id" && r.GetProperty("id").GetString() == id);
        var changes = Changes(record);
        foreach (var personal in new[] { "username", "phone_number", "email", "first_name", "last_name", "meta" })
        {
            Assert.Equal("***", changes[personal]);
        }

        Assert.DoesNotContain("ada@example.com", record.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_records_the_fields_whose_values_changed_not_every_field_sent()
    {
        var http = await fixture.ClientAsync();
        var id = await NewUserAsync(http);

        // Sent: first_name and gender as they are, last_name and meta changed.
        await http.PutJsonAsync($"{P}/customers/{id}", new
        {
            first_name = "Akash", gender = "male", last_name = "Kulkarni", meta = new { source = "import" },
        });
        var update = Assert.Single(await TrailAsync(http, id), r => r.GetProperty("operation").GetString() == "updateUser");
        Assert.Equal(["last_name", "meta"], Changes(update).Keys.Order(StringComparer.Ordinal));
        Assert.All(Changes(update).Values, v => Assert.Equal("***", v));

        // The same update again changes nothing: its record names no field.
        await http.PutJsonAsync($"{P}/customers/{id}", new { first_name = "Akash", last_name = "Kulkarni" });
        var updates = (await TrailAsync(http, id)).Where(r => r.GetProperty("operation").GetString() == "updateUser").ToList();
        Assert.Equal(2, updates.Count);
        Assert.Single(updates, r => Changes(r).Count == 0);

        // Only what changed is named: gender, not the first_name sent as it was.
        await http.PutJsonAsync($"{P}/customers/{id}", new { gender = "female", first_name = "Akash" });
        updates = (await TrailAsync(http, id)).Where(r => r.GetProperty("operation").GetString() == "updateUser").ToList();
        Assert.Contains(updates, r => Changes(r).Keys.SequenceEqual(["gender"]));
    }

    [Fact]
    public async Task Non_personal_values_are_kept_and_secrets_masked_in_platform_config_writes()
    {
        var http = await fixture.ClientAsync();
        await http.PostJsonAsync($"{P}/platform/config", new
        {
            delete_account_day = 9,
            social_tokens = new { google = new { app_id = "g-app", app_secret = "very-secret" } },
        });

        var record = Assert.Single(await TrailAsync(http));
        Assert.Equal("updatePlatformConfig", record.GetProperty("operation").GetString());
        Assert.False(record.TryGetProperty("user_id", out _));
        var changes = Changes(record);
        Assert.Equal("9", changes["delete_account_day"]);
        Assert.Equal("***", changes["social_tokens"]);
        Assert.DoesNotContain("very-secret", record.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_on_several_users_is_in_each_users_trail_and_the_application_trail_pages_newest_first()
    {
        var http = await fixture.ClientAsync();
        var a = await NewUserAsync(http);
        var b = await NewUserAsync(http);
        await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { a, b }, status = false, reason = "fraud check" });

        foreach (var user in new[] { a, b })
        {
            var trail = await TrailAsync(http, user);
            Assert.Equal(["blockOrUnblockUsers", "createUser"], trail.Select(r => r.GetProperty("operation").GetString()));
            Assert.Equal("***", Changes(trail[0])["reason"]);
            Assert.Equal("false", Changes(trail[0])["status"]);
        }

        var all = await TrailAsync(http);
        Assert.Equal(4, all.Count);
        var first = await http.GetJsonAsync($"{P}/audit?page_size=3&page_no=1");
        Assert.Equal(4, first.GetProperty("page").GetProperty("item_total").GetInt32());
        Assert.True(first.GetProperty("page").GetProperty("has_next").GetBoolean());
        var second = await http.GetJsonAsync($"{P}/audit?page_size=3&page_no=2");
        Assert.Single(second.GetProperty("items").EnumerateArray());
        Assert.Equal("createUser", second.GetProperty("items")[0].GetProperty("operation").GetString());
    }

    [Fact]
    public async Task Failed_writes_replays_and_reads_record_nothing()
    {
        var http = await fixture.ClientAsync();
        await http.PostJsonAsync($"{P}/customers", new { email = "not-an-email" }, HttpStatusCode.BadRequest);
        await http.PutJsonAsync($"{P}/customers/{Ids.New()}", new { first_name = "x" }, HttpStatusCode.NotFound);
        await http.GetJsonAsync($"{P}/customers/list");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{P}/customers") { Content = Http.Json(Build.User()) };
        request.Headers.Add("Idempotency-Key", "audit-" + Guid.NewGuid().ToString("N"));
        var json = await request.Content.ReadAsStringAsync();
        (await http.SendAsync(request)).EnsureSuccessStatusCode();
        using var retry = new HttpRequestMessage(HttpMethod.Post, $"{P}/customers") { Content = Http.RawJson(json) };
        retry.Headers.Add("Idempotency-Key", request.Headers.GetValues("Idempotency-Key").Single());
        (await http.SendAsync(retry)).EnsureSuccessStatusCode();

        Assert.Single(await TrailAsync(http));
    }

    [Fact]
    public async Task The_trail_needs_the_read_scope_and_shows_only_the_companys_own_records()
    {
        var http = await fixture.ClientAsync();
        await NewUserAsync(http);
        var reader = await fixture.ClientAsync(TestClients.ReadOnly);
        Assert.Single(await TrailAsync(reader));
        var other = await fixture.ClientAsync(TestClients.OtherCompany);
        var foreign = await other.GetJsonAsync($"{Http.App(app, TestClients.OtherCompany.CompanyId)}/audit");
        Assert.Empty(foreign.GetProperty("items").EnumerateArray());

        var bad = await http.GetJsonAsync($"{P}/audit?user_id=nope&page_size=1000", HttpStatusCode.BadRequest);
        Http.AssertError(bad, "validation_failed", "user_id");
        Assert.Contains(bad.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "page_size");
    }

    [Fact]
    public async Task A_body_that_cannot_be_written_back_is_answered_by_validation_and_records_nothing()
    {
        // The fuzzing suite's case: validation entries without "value" leave a JsonElement unset, which cannot be
        // serialised back; the audit filter (before validation) must not turn that into a 500.
        var http = await fixture.ClientAsync();
        var id = (await http.PostJsonAsync($"{P}/user_attribute/definition", new { name = "Tier", slug = "tier_x", type = "string" }))
            .GetProperty("_id").GetString()!;
        var body = await (await http.PutAsync($"{P}/user_attribute/definition/{id}", Http.RawJson("""
            {"pinned":true,"validations":[{"type":"../../etc/passwd","value":{"$where":"1","a.b":{"$gt":""}}},{},{"value":{"fz4f0ba575":"riya@example.com","fz1a3512c9":101},"__proto__":{"a":1}}]}
            """))).ExpectAsync(HttpStatusCode.BadRequest);
        Http.AssertError(body, "validation_failed", "validations[1].type");

        Assert.Equal(["createUserAttributeDefinition"], (await TrailAsync(http)).Select(r => r.GetProperty("operation").GetString()));
    }

    [Fact]
    public async Task The_timeline_lives_in_the_audit_store_and_answers_as_before()
    {
        var http = await fixture.ClientAsync();
        var id = await NewUserAsync(http);
        for (var i = 0; i < 3; i++)
        {
            await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { id }, status = false, reason = $"r{i}" });
            await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { id }, status = true, reason = $"u{i}" });
        }

        var timeline = await http.GetJsonAsync($"{P}/customers/{id}/timeline");
        var items = timeline.GetProperty("timeline").EnumerateArray().ToList();
        Assert.Equal(["created", "blocked", "unblocked", "blocked", "unblocked", "blocked", "unblocked"],
            items.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("Account created", items[0].GetProperty("title").GetString());
        Assert.Equal("r2", items[5].GetProperty("sub_title").GetString());
        Assert.True(items.Zip(items.Skip(1)).All(p => string.CompareOrdinal(p.First.GetProperty("date").GetString(), p.Second.GetProperty("date").GetString()) <= 0));

        // The user document no longer grows with every block/unblock.
        var stored = await fixture.Services.GetRequiredService<IUserStore>().FindByIdAsync(new Tenant("1001", app), id, None);
        Assert.Empty(stored!.Timeline);
    }

    [Fact]
    public async Task A_stored_user_with_an_embedded_timeline_still_shows_its_history_merged_with_new_events()
    {
        var http = await fixture.ClientAsync();
        var tenant = new Tenant("1001", app);
        var id = Ids.New();
        var created = new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc);
        var user = new User
        {
            Id = id, CompanyId = tenant.CompanyId, ApplicationId = tenant.ApplicationId, Username = "legacy_" + id[^8..],
            PhoneNumbers = [new UserPhone { CountryCode = 91, Phone = "97" + id[^8..], Primary = true }],
            CreatedAt = created, UpdatedAt = created, Version = 2, Active = true,
            Timeline =
            [
                new TimelineEvent { Type = "created", Title = "Account created", Date = created },
                new TimelineEvent { Type = "blocked", Title = "Account blocked", SubTitle = "old reason", Date = created.AddDays(1) },
                new TimelineEvent { Type = "unblocked", Title = "Account unblocked", Date = created.AddDays(2) },
            ],
        };
        await fixture.Services.GetRequiredService<IUserStore>().InsertAsync(user, None);
        if (fixture.Store == StoreKind.Sqlite)
        {
            // The row exactly as versions before the audit store wrote it (golden row).
            var database = fixture.Services.GetRequiredService<SqliteDatabase>();
            await using var connection = await database.OpenAsync(None);
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE users SET doc = json_set(doc, '$.timeline', json($timeline)) WHERE id = $id;";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$timeline", """
                [{"type":"created","title":"Account created","date":"2024-05-01T10:00:00.000Z","visible":true},
                 {"type":"blocked","title":"Account blocked","sub_title":"old reason","date":"2024-05-02T10:00:00.000Z","visible":true},
                 {"type":"unblocked","title":"Account unblocked","date":"2024-05-03T10:00:00.000Z","visible":true}]
                """);
            Assert.Equal(1, await command.ExecuteNonQueryAsync(None));
        }

        await http.PutJsonAsync($"{P}/customers/archive", new { user_id = id, reason = "left" });

        var timeline = await http.GetJsonAsync($"{P}/customers/{id}/timeline");
        var items = timeline.GetProperty("timeline").EnumerateArray().ToList();
        Assert.Equal(["created", "blocked", "unblocked", "archived"], items.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("2024-05-01T10:00:00.000Z", items[0].GetProperty("date").GetString());
        Assert.Equal("old reason", items[1].GetProperty("sub_title").GetString());
        Assert.Equal("left", items[3].GetProperty("sub_title").GetString());
    }

    [Fact]
    public async Task Expired_records_are_gone_after_the_sweep_and_events_are_kept()
    {
        fixture.RequireStore();
        var store = fixture.Services.GetRequiredService<IAuditStore>();
        var tenant = new Tenant("1001", app);
        var old = DateTime.UtcNow.AddDays(-400);
        await store.AppendAsync(
        [
            new AuditEntry
            {
                Id = Ids.New(), CompanyId = tenant.CompanyId, ApplicationId = tenant.ApplicationId, At = old,
                ExpiresAt = old.AddDays(365), ClientId = "c", Method = "POST", Operation = "createUser", RequestId = "r",
                Status = 200,
            },
            new AuditEntry
            {
                Id = Ids.New(), CompanyId = tenant.CompanyId, ApplicationId = tenant.ApplicationId, Kind = AuditKinds.Event,
                UserId = Ids.New(), At = old, EventType = "blocked", Title = "Account blocked",
            },
        ], None);
        Assert.Equal(1, (await store.ListAsync(tenant, AuditKinds.Request, null, 0, 10, None)).Total);

        if (store.ExpiresByItself)
        {
            Assert.Skip("MongoDB removes expired records with its TTL index (expires_at_ttl); the emulator does not run it.");
        }

        Assert.True(await fixture.Services.GetRequiredService<AuditSweeper>().SweepAsync(None) >= 1);
        Assert.Equal(0, (await store.ListAsync(tenant, AuditKinds.Request, null, 0, 10, None)).Total);
        Assert.Equal(1, (await store.ListAsync(tenant, AuditKinds.Event, null, 0, 10, None)).Total);
    }

    [Fact]
    public async Task A_record_is_kept_for_the_retention_period_from_the_write()
    {
        fixture.RequireStore();
        var http = await fixture.ClientAsync();
        var before = DateTime.UtcNow.AddSeconds(-1);
        await NewUserAsync(http);

        var stored = Assert.Single((await fixture.Services.GetRequiredService<IAuditStore>()
            .ListAsync(new Tenant("1001", app), AuditKinds.Request, null, 0, 10, None)).Items);
        Assert.NotNull(stored.ExpiresAt);
        Assert.InRange(stored.At, before, DateTime.UtcNow.AddSeconds(1));
        Assert.InRange(stored.ExpiresAt!.Value, stored.At.AddDays(365), DateTime.UtcNow.AddDays(365).AddSeconds(1));
    }

    [Fact]
    public async Task A_record_the_store_refuses_once_is_written_by_the_one_retry()
    {
        fixture.RequireStore();
        var appends = 0;
        await using var instance = Refusing(1, () => appends++);
        var http = await instance.CreateClient().WithTokenAsync(fixture);

        var id = await NewUserAsync(http);

        Assert.Equal(2, appends);
        Assert.Equal("createUser", Assert.Single(await TrailAsync(http, id)).GetProperty("operation").GetString());
        Assert.Equal(200, Assert.Single(await TrailAsync(http)).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_record_the_store_refuses_twice_to_complete_stays_written_ahead_and_is_logged_and_the_write_is_answered()
    {
        fixture.RequireStore();
        var appends = 0;
        var logs = new ListLogger();
        await using var instance = Refusing(int.MaxValue, () => appends++, logs);
        var http = await instance.CreateClient().WithTokenAsync(fixture);

        var id = await NewUserAsync(http);

        Assert.Equal(2, appends);
        Assert.NotNull(await fixture.Services.GetRequiredService<IUserStore>().FindByIdAsync(new Tenant("1001", app), id, None));
        Assert.Empty(await TrailAsync(await fixture.ClientAsync(), id));

        // What stays is the record written ahead (status 0, no user yet), and the loss is logged with its request id.
        var left = Assert.Single(await TrailAsync(await fixture.ClientAsync()));
        Assert.Equal("createUser", left.GetProperty("operation").GetString());
        Assert.Equal(0, left.GetProperty("status").GetInt32());
        Assert.Equal([$"The audit record of {left.GetProperty("request_id").GetString()} could not be stored: IOException"], logs.Errors);
        await AssertExpiresAsync(left.GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task The_completed_record_takes_over_the_written_ahead_one_of_its_user_and_the_answers_new_user()
    {
        fixture.RequireStore();
        var ahead = new List<IReadOnlyCollection<AuditEntry>>();
        await using var instance = RacingStore.InstanceOver<IAuditStore>(fixture, store => RacingStore.Answering(store,
            nameof(IAuditStore.WriteAheadAsync), args =>
            {
                var entries = (IReadOnlyCollection<AuditEntry>)args[0]!;
                if (entries.All(e => e.Kind == AuditKinds.Request))
                {
                    ahead.Add([.. entries]); // the request's records, not a lifecycle event (TimelineEventWriter)
                }

                return store.WriteAheadAsync(entries, (CancellationToken)args[1]!);
            }));
        var http = await instance.CreateClient().WithTokenAsync(fixture);

        // createUser names no user before it runs: its one written-ahead record becomes the new user's (from the answer).
        var a = await NewUserAsync(http);
        var b = await NewUserAsync(http);
        for (var i = 0; i < 2; i++)
        {
            var written = Assert.Single(ahead[i]);
            Assert.Equal("", written.UserId);
            Assert.Equal(0, written.Status);
        }

        Assert.Equal(ahead[0].Single().Id, Assert.Single(await TrailAsync(http, a)).GetProperty("id").GetString());
        Assert.Equal(ahead[1].Single().Id, Assert.Single(await TrailAsync(http, b.ToUpperInvariant())).GetProperty("id").GetString());

        // A write on several users: each user's record completes the one written ahead for that user (not another's).
        await http.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { a, b }, status = false, reason = "fraud check" });
        Assert.Equal([a, b], ahead[2].Select(e => e.UserId));
        foreach (var (user, written) in new[] { a, b }.Zip(ahead[2]))
        {
            var record = (await TrailAsync(http, user)).First();
            Assert.Equal("blockOrUnblockUsers", record.GetProperty("operation").GetString());
            Assert.Equal(written.Id, record.GetProperty("id").GetString());
            Assert.Equal(user, record.GetProperty("user_id").GetString());
            Assert.Equal(200, record.GetProperty("status").GetInt32());
        }

        var all = await TrailAsync(http);
        Assert.Equal(4, all.Count);
        Assert.All(all, r => Assert.Equal(200, r.GetProperty("status").GetInt32()));
        Assert.Equal(ahead.SelectMany(e => e).Select(e => e.Id).Order(StringComparer.Ordinal),
            all.Select(r => r.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_write_that_fails_after_its_record_was_written_ahead_leaves_no_record(int refusals)
    {
        fixture.RequireStore();
        var http = await fixture.ClientAsync();
        var id = await NewUserAsync(http);
        var removals = 0;
        await using var instance = LosingItsRace(http, id, refusals, () => removals++, new ListLogger());
        var raced = await instance.CreateClient().WithTokenAsync(fixture);

        if (refusals == 0)
        {
            // Refused before anything was written: on SQLite nothing was stored ahead, so there is nothing to remove
            // (MongoDB stores the record ahead of the write and removes it).
            await raced.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { Ids.New() }, status = false }, HttpStatusCode.NotFound);
            Assert.Equal(fixture.Store == StoreKind.Sqlite ? 0 : 1, removals);
            removals = 0;
        }

        // The block's write lost to an archive (it wrote nothing, but carried the written-ahead record), then the block
        // was refused: the record goes, on the first try or on the one retry.
        await raced.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { id }, status = false }, HttpStatusCode.Conflict);

        Assert.Equal(refusals + 1, removals);
        var trail = await TrailAsync(http);
        Assert.Equal(2, trail.Count);
        Assert.DoesNotContain(trail, r => r.GetProperty("operation").GetString() == "blockOrUnblockUsers");
        Assert.All(trail, r => Assert.Equal(200, r.GetProperty("status").GetInt32()));
    }

    [Fact]
    public async Task A_written_ahead_record_the_store_refuses_twice_to_remove_stays_at_status_0_and_is_logged()
    {
        fixture.RequireStore();
        var http = await fixture.ClientAsync();
        var id = await NewUserAsync(http);
        var removals = 0;
        var logs = new ListLogger();
        await using var instance = LosingItsRace(http, id, int.MaxValue, () => removals++, logs);
        var raced = await instance.CreateClient().WithTokenAsync(fixture);

        await raced.PutJsonAsync($"{P}/customers/activation", new { user_id = new[] { id }, status = false }, HttpStatusCode.Conflict);

        Assert.Equal(2, removals);
        var left = Assert.Single(await TrailAsync(http), r => r.GetProperty("operation").GetString() == "blockOrUnblockUsers");
        Assert.Equal(0, left.GetProperty("status").GetInt32());
        Assert.Equal(id, left.GetProperty("user_id").GetString());
        var requestId = left.GetProperty("request_id").GetString()!;
        Assert.Equal([$"The audit record of {requestId} could not be stored: IOException"], logs.Errors);
        await AssertExpiresAsync(left.GetProperty("id").GetString()!);
    }

    /// <summary>A record written ahead expires after the retention period like a completed one.</summary>
    private async Task AssertExpiresAsync(string recordId)
    {
        var stored = Assert.Single((await fixture.Services.GetRequiredService<IAuditStore>()
            .ListAsync(new Tenant("1001", app), AuditKinds.Request, null, 0, 100, None)).Items, e => e.Id == recordId);
        Assert.NotNull(stored.ExpiresAt);
        Assert.InRange(stored.ExpiresAt!.Value, stored.At.AddDays(365).AddSeconds(-1), DateTime.UtcNow.AddDays(365).AddSeconds(1));
    }

    /// <summary>
    /// A second instance over the fixture's stores whose next user write loses its race to an archive of
    /// <paramref name="userId"/> by <paramref name="other"/>, and whose audit store refuses its first
    /// <paramref name="refusals"/> removals of written-ahead records (<paramref name="counted"/> runs at each); the audit
    /// service logs to <paramref name="logs"/>.
    /// </summary>
    private WebApplicationFactory<Program> LosingItsRace(HttpClient other, string userId, int refusals, Action counted, ListLogger logs)
    {
        var race = new RacingUserStore();
        race.BeforeReplace = async _ =>
        {
            race.BeforeReplace = null;
            await other.PutJsonAsync($"{P}/customers/archive", new { user_id = userId, reason = "closed" });
        };
        return race.InstanceOver(fixture).WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            var registered = services.Last(d => d.ServiceType == typeof(IAuditStore));
            services.Remove(registered);
            services.AddSingleton(sp =>
            {
                var store = (IAuditStore)registered.ImplementationFactory!(sp);
                return RacingStore.Answering(store, nameof(IAuditStore.ReplaceAsync), args =>
                {
                    if (((IReadOnlyCollection<AuditEntry>)args[1]!).Any(e => e.Kind == AuditKinds.Event))
                    {
                        // A lifecycle event written ahead of a change that did not happen (TimelineEventWriter) goes.
                        return store.ReplaceAsync((IReadOnlyCollection<AuditEntry>)args[0]!, (IReadOnlyCollection<AuditEntry>)args[1]!,
                            (CancellationToken)args[2]!);
                    }

                    counted();
                    return refusals-- > 0
                        ? Task.FromException(new IOException("audit store unavailable"))
                        : store.ReplaceAsync((IReadOnlyCollection<AuditEntry>)args[0]!, (IReadOnlyCollection<AuditEntry>)args[1]!,
                            (CancellationToken)args[2]!);
                });
            });
            services.AddSingleton<ILogger<AuditService>>(logs);
        }));
    }

    /// <summary>
    /// A second service instance over the fixture's real audit store that refuses its first <paramref name="refusals"/>
    /// appends of a write's records, as a store briefly unavailable would; <paramref name="counted"/> runs at each append.
    /// </summary>
    private WebApplicationFactory<Program> Refusing(int refusals, Action counted, ListLogger? logs = null) =>
        RacingStore.InstanceOver<IAuditStore>(fixture, store => RacingStore.Answering(store, nameof(IAuditStore.AppendAsync), args =>
        {
            counted();
            return refusals-- > 0
                ? Task.FromException(new IOException("audit store unavailable"))
                : store.AppendAsync((IReadOnlyCollection<AuditEntry>)args[0]!, (CancellationToken)args[1]!);
        })).WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSingleton<ILogger<AuditService>>(logs ?? new ListLogger())));

    /// <summary>The errors the audit service logged, as they read.</summary>
    private sealed class ListLogger : ILogger<AuditService>
    {
        private readonly List<string> errors = [];

        public IReadOnlyList<string> Errors
        {
            get
            {
                lock (errors)
                {
                    return [.. errors];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error)
            {
                lock (errors)
                {
                    errors.Add(formatter(state, exception));
                }
            }
        }
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteAuditApiTests(SqliteApiFixture fixture) : AuditApiTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoAuditApiTests(MongoApiFixture fixture) : AuditApiTests(fixture);
