using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.PlatformConfig;
using UserAuth.Api.Storage.Sqlite;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Storage;

/// <summary>
/// Rows written in the SQLite stores' on-disk format of today (golden rows) still read back whole: a change of the
/// stored format (or of the API's JSON options leaking into it) fails here instead of silently breaking stored data.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class SqliteGoldenRowTests(SqliteApiFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private async Task SetDocAsync(string table, string where, string doc, params (string Name, object Value)[] parameters)
    {
        var database = fixture.Services.GetRequiredService<SqliteDatabase>();
        await using var connection = await database.OpenAsync(None);
        await using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE {table} SET doc = $doc WHERE {where};";
        command.Parameters.AddWithValue("$doc", doc);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        Assert.Equal(1, await command.ExecuteNonQueryAsync(None));
    }

    [Fact]
    public async Task A_user_row_in_todays_format_reads_back_whole()
    {
        var store = fixture.Services.GetRequiredService<IUserStore>();
        var tenant = new Tenant("1001", ApiFixture.NewApplicationId());
        var id = Ids.New();
        var user = Build.StoredUser(tenant, "golden_" + id[^8..], phone: "98" + id[^8..],
            createdAt: new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc), id: id);
        await store.InsertAsync(user, None);

        var golden = $$"""
            {"id":"{{id}}","company_id":"1001","application_id":"{{tenant.ApplicationId}}","username":"{{user.Username}}",
             "first_name":"Ada","last_name":"Lovelace","gender":"female","dob":"1815-12-10T00:00:00.000Z","external_id":"ext-1",
             "rr_id":"rr-1","account_type":"user","profile_pic_url":"https://example.com/a.png","meta":"{\"tier\":\"gold\",\"n\":[1,2]}",
             "emails":[{"email":"ada@example.com","primary":true,"verified":true,"active":true}],
             "phone_numbers":[{"country_code":91,"phone":"98{{id[^8..]}}","primary":true,"verified":false,"active":true,"e164":"+9198{{id[^8..]}}"}],
             "active":false,"state":"deleted","deleted_at":"2024-06-01T08:30:00.250Z","delete_on":"2024-06-08T08:30:00.250Z",
             "identity_keys":["u:{{user.Username}}","e:ada@example.com","p:+9198{{id[^8..]}}"],"username_lc":"{{user.Username}}",
             "first_name_lc":"ada","last_name_lc":"lovelace","version":3,"session_epoch":2,
             "created_at":"2024-05-01T10:00:00.000Z","updated_at":"2024-06-01T08:30:00.250Z",
             "timeline":[{"type":"created","title":"Account created","date":"2024-05-01T10:00:00.000Z","visible":true},
                         {"type":"deleted","title":"Account deletion requested","sub_title":"asked","date":"2024-06-01T08:30:00.250Z","visible":true}]}
            """;
        await SetDocAsync("users", "id = $id", golden, ("$id", id));

        var read = await store.FindByIdAsync(tenant, id, None);
        Assert.NotNull(read);
        Assert.Equal(("Ada", "Lovelace", "female", "ext-1", "rr-1"), (read.FirstName, read.LastName, read.Gender, read.ExternalId, read.RrId));
        Assert.Equal(new DateTime(1815, 12, 10, 0, 0, 0, DateTimeKind.Utc), read.Dob);
        Assert.Equal("https://example.com/a.png", read.ProfilePicUrl);
        Assert.Equal("""{"tier":"gold","n":[1,2]}""", read.Meta);
        var email = Assert.Single(read.Emails);
        Assert.Equal(("ada@example.com", true, true, true), (email.Email, email.Primary, email.Verified, email.Active));
        var phone = Assert.Single(read.PhoneNumbers);
        Assert.Equal((91, "98" + id[^8..], true, false), (phone.CountryCode, phone.Phone, phone.Primary, phone.Verified));
        Assert.False(read.Active);
        Assert.Equal(UserState.Deleted, read.State);
        Assert.Equal(new DateTime(2024, 6, 1, 8, 30, 0, 250, DateTimeKind.Utc), read.DeletedAt);
        Assert.Equal(DateTimeKind.Utc, read.DeleteOn!.Value.Kind);
        Assert.Equal(new DateTime(2024, 6, 8, 8, 30, 0, 250, DateTimeKind.Utc), read.DeleteOn);
        Assert.Equal(3, read.Version);
        Assert.Equal(2, read.SessionEpoch);
        Assert.Equal(["created", "deleted"], read.Timeline.Select(e => e.Type));
        Assert.Equal("asked", read.Timeline[1].SubTitle);
        Assert.Equal(new DateTime(2024, 6, 1, 8, 30, 0, 250, DateTimeKind.Utc), read.UpdatedAt);
    }

    [Fact]
    public async Task A_platform_config_row_in_todays_format_reads_back_and_its_session_rules_are_found()
    {
        var store = fixture.Services.GetRequiredService<IPlatformConfigStore>();
        var tenant = new Tenant("1001", ApiFixture.NewApplicationId());
        var config = new PlatformConfigDocument
        {
            Id = PlatformConfigDocument.IdFor(tenant), CompanyId = tenant.CompanyId, ApplicationId = tenant.ApplicationId,
            CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        };
        Assert.True(await store.InsertAsync(config, None));

        var golden = $$"""
            {"id":"{{config.Id}}","company_id":"1001","application_id":"{{tenant.ApplicationId}}","active":true,
             "display":"Golden","subtext":"Login to Golden","register":false,
             "session_config":{"duration":12,"type":"Hours","is_rolling":true},
             "delete_account_day":21,"version":4,
             "created_at":"2024-05-01T10:00:00.000Z","updated_at":"2024-05-02T10:00:00.000Z"}
            """;
        await SetDocAsync("platform_configs", "company_id = $company AND application_id = $application", golden,
            ("$company", tenant.CompanyId), ("$application", tenant.ApplicationId));

        var read = await store.FindAsync(tenant, None);
        Assert.NotNull(read);
        Assert.Equal(("Golden", "Login to Golden", false, 21, 4), (read.Display, read.Subtext, read.Register, read.DeleteAccountDay, read.Version));
        Assert.Equal((12, "Hours", true), (read.SessionConfig.Duration, read.SessionConfig.Type, read.SessionConfig.IsRolling));
        Assert.Equal(new DateTime(2024, 5, 2, 10, 0, 0, DateTimeKind.Utc), read.UpdatedAt);

        var login = await store.FindLoginSettingsAsync(tenant, None);
        Assert.NotNull(login);
        Assert.Equal((12, "Hours", true), (login.SessionConfig.Duration, login.SessionConfig.Type, login.SessionConfig.IsRolling));
        Assert.Equal(21, login.DeleteAccountDay);
    }

    [Fact]
    public async Task An_api_client_row_in_todays_format_reads_back_whole()
    {
        var store = fixture.Services.GetRequiredService<IApiClientStore>();
        var clientId = "golden-" + Ids.New();
        await store.UpsertAsync(new ApiClient { Id = Ids.New(), ClientId = clientId, CompanyId = "1001", SecretHash = "x" }, None);

        var golden = $$"""
            {"id":"65a000000000000000000001","client_id":"{{clientId}}","secret_hash":"pbkdf2$1$abc$def","company_id":"1001",
             "application_ids":["65a000000000000000000002"],"scopes":["user:read"],
             "created_at":"2024-05-01T10:00:00.000Z","updated_at":"2024-05-02T10:00:00.000Z"}
            """;
        await SetDocAsync("api_clients", "client_id = $id", golden, ("$id", clientId));

        var read = await store.FindByClientIdAsync(clientId, None);
        Assert.NotNull(read);
        Assert.Equal(("65a000000000000000000001", "pbkdf2$1$abc$def", "1001"), (read.Id, read.SecretHash, read.CompanyId));
        Assert.Equal(["65a000000000000000000002"], read.ApplicationIds);
        Assert.Equal(["user:read"], read.Scopes);
        Assert.Equal(new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc), read.CreatedAt);
    }
}
