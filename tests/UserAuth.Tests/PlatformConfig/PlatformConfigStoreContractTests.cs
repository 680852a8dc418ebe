using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.PlatformConfig;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.PlatformConfig;

/// <summary>The contract of <see cref="IPlatformConfigStore"/>, run against each adapter.</summary>
public abstract class PlatformConfigStoreContractTests(ApiFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IPlatformConfigStore Store()
    {
        fixture.RequireStore();
        return fixture.Services.GetRequiredService<IPlatformConfigStore>();
    }

    private static Tenant NewTenant(string company = "1001") => new(company, ApiFixture.NewApplicationId());

    /// <summary>A saved configuration with every field away from its default.</summary>
    private static PlatformConfigDocument Config(Tenant tenant, int version = 1)
    {
        var config = PlatformConfigDocument.DefaultsFor(tenant);
        var at = new DateTime(2024, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc);
        config.Version = version;
        config.CreatedAt = at;
        config.UpdatedAt = at.AddMinutes(1);
        config.Active = false;
        config.Display = "Display";
        config.Subtext = "Subtext";
        config.Name = "Name";
        config.MobileImage = "https://cdn.example.com/m.png";
        config.Social.Google = true;
        config.Social.Apple = true;
        config.FlashCard.Text = "Card";
        config.Login.Otp = false;
        config.RequiredFields.Email = new FieldRule { IsRequired = true, Level = FieldLevels.Soft };
        config.LookAndFeel.CardPosition = "left";
        config.SocialTokens.Google = new SocialAppSettings { AppId = "g", AppSecretCipher = "v1:AAAA", AppSecretMask = "****" };
        config.SessionConfig = new SessionSettings { Duration = 12, Type = SessionUnits.Hours, IsRolling = true };
        config.DeleteAccountReasons = [new DeleteAccountReason { ReasonId = "r1", ReasonText = "Too many mails", ShowTextArea = true }];
        config.DeleteAccountDay = 21;
        config.DeleteAccountConsent = "I agree";
        return config;
    }

    private static string Json(PlatformConfigDocument config) => JsonSerializer.Serialize(config, JsonDefaults.Options);

    [Fact]
    public async Task Nothing_is_found_for_a_tenant_that_never_saved()
    {
        var store = Store();
        var tenant = NewTenant();
        Assert.Null(await store.FindAsync(tenant, Ct));
        Assert.Null(await store.FindLoginSettingsAsync(tenant, Ct));
    }

    [Fact]
    public async Task An_inserted_config_reads_back_field_for_field()
    {
        var store = Store();
        var config = Config(NewTenant());
        Assert.True(await store.InsertAsync(config, Ct));

        var found = await store.FindAsync(new Tenant(config.CompanyId, config.ApplicationId), Ct);
        Assert.NotNull(found);
        Assert.Equal(Json(config), Json(found));
        Assert.Equal(DateTimeKind.Utc, found.CreatedAt.Kind);
    }

    [Fact]
    public async Task Login_settings_read_only_the_session_rules_and_the_restore_window()
    {
        var store = Store();
        var config = Config(NewTenant());
        await store.InsertAsync(config, Ct);

        var settings = await store.FindLoginSettingsAsync(new Tenant(config.CompanyId, config.ApplicationId), Ct);
        Assert.NotNull(settings);
        Assert.Equal(12, settings.SessionConfig.Duration);
        Assert.Equal(SessionUnits.Hours, settings.SessionConfig.Type);
        Assert.True(settings.SessionConfig.IsRolling);
        Assert.Equal(21, settings.DeleteAccountDay);
    }

    [Fact]
    public async Task A_second_first_save_is_refused_and_changes_nothing()
    {
        var store = Store();
        var tenant = NewTenant();
        var first = Config(tenant);
        Assert.True(await store.InsertAsync(first, Ct));

        var second = Config(tenant);
        second.Display = "Second";
        Assert.False(await store.InsertAsync(second, Ct));
        Assert.Equal("Display", (await store.FindAsync(tenant, Ct))!.Display);
    }

    [Fact]
    public async Task Racing_first_saves_store_exactly_one()
    {
        var store = Store();
        var tenant = NewTenant();
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
        {
            var config = Config(tenant);
            config.Display = $"racer {i}";
            return store.InsertAsync(config, Ct);
        }));

        Assert.Single(results, r => r);
        Assert.StartsWith("racer ", (await store.FindAsync(tenant, Ct))!.Display, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_is_conditional_on_the_version()
    {
        var store = Store();
        var tenant = NewTenant();
        await store.InsertAsync(Config(tenant), Ct);

        var next = Config(tenant, version: 2);
        next.Display = "Next";
        Assert.True(await store.ReplaceAsync(next, expectedVersion: 1, Ct));

        var stale = Config(tenant, version: 2);
        stale.Display = "Stale";
        Assert.False(await store.ReplaceAsync(stale, expectedVersion: 1, Ct));

        var found = await store.FindAsync(tenant, Ct);
        Assert.Equal("Next", found!.Display);
        Assert.Equal(2, found.Version);
    }

    [Fact]
    public async Task Replace_of_a_config_that_was_never_inserted_is_refused()
    {
        var store = Store();
        var tenant = NewTenant();
        Assert.False(await store.ReplaceAsync(Config(tenant, version: 1), expectedVersion: 0, Ct));
        Assert.Null(await store.FindAsync(tenant, Ct));
    }

    [Fact]
    public async Task Tenants_are_apart_even_with_one_application_id()
    {
        var store = Store();
        var mine = NewTenant("1001");
        var theirs = new Tenant("2002", mine.ApplicationId);
        await store.InsertAsync(Config(mine), Ct);

        Assert.Null(await store.FindAsync(theirs, Ct));
        var other = Config(theirs);
        other.Display = "Theirs";
        Assert.True(await store.InsertAsync(other, Ct));
        Assert.NotEqual(PlatformConfigDocument.IdFor(mine), PlatformConfigDocument.IdFor(theirs));

        var changed = Config(theirs, version: 2);
        changed.Display = "Theirs 2";
        Assert.True(await store.ReplaceAsync(changed, 1, Ct));
        Assert.Equal("Display", (await store.FindAsync(mine, Ct))!.Display);
        Assert.Equal("Theirs 2", (await store.FindAsync(theirs, Ct))!.Display);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqlitePlatformConfigStoreContractTests(SqliteStoreFixture fixture) : PlatformConfigStoreContractTests(fixture), IClassFixture<SqliteStoreFixture>;

[Collection(MongoCollection.Name)]
public sealed class MongoPlatformConfigStoreContractTests(MongoStoreFixture fixture) : PlatformConfigStoreContractTests(fixture), IClassFixture<MongoStoreFixture>;
