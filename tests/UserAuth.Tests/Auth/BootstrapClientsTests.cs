using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Auth;

/// <summary>
/// The configured clients written at start-up (<see cref="BootstrapClientsService"/>), over the real store: a restart
/// with the same configuration keeps the client as it is (id, secret hash, creation time, generation, a rotation's grace
/// period, its description, disabling); a changed secret, company, scopes or applications wins over what is stored and
/// ends the tokens the client holds (its generation rises).
/// </summary>
public abstract class BootstrapClientsTests(ApiFixture fixture)
{
    private static readonly DateTime Start = new(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IApiClientStore Store
    {
        get
        {
            fixture.RequireStore();
            return fixture.Services.GetRequiredService<IApiClientStore>();
        }
    }

    private static BootstrapClient Configured(string clientId, string secret = "configured-secret-1", string? scopes = null,
        params string[] applications) =>
        new() { ClientId = clientId, ClientSecret = secret, CompanyId = "1001", Scopes = scopes, ApplicationIds = [.. applications] };

    /// <summary>One start-up of the service with these clients configured, at <paramref name="now"/>.</summary>
    private async Task<ApiClient> StartAsync(BootstrapClient configured, DateTime now)
    {
        var options = Options.Create(new AuthOptions { BootstrapClients = [configured] });
        var service = new BootstrapClientsService(Store, options, new FixedClock(now), NullLogger<BootstrapClientsService>.Instance);
        await service.StartAsync(Ct);
        await service.StopAsync(Ct);
        return (await Store.FindByClientIdAsync(configured.ClientId, Ct))!;
    }

    [Fact]
    public async Task A_new_client_gets_both_platform_scopes_when_none_are_configured_and_its_applications_in_lower_case_once()
    {
        var clientId = "bootstrap-" + Ids.New();
        var upper = ApiFixture.NewApplicationId().ToUpperInvariant();

        var client = await StartAsync(Configured(clientId, applications: [upper, upper.ToLowerInvariant()]), Start);

        Assert.Equal([Scopes.Read, Scopes.Write], client.Scopes);
        Assert.Equal([upper.ToLowerInvariant()], client.ApplicationIds);
        Assert.True(Ids.IsValid(client.Id));
        Assert.True(SecretHasher.Verify("configured-secret-1", client.SecretHash));
        Assert.Equal(("1001", false, 0L, 1L), (client.CompanyId, client.Disabled, client.Generation, client.Version));
        Assert.Null(client.PreviousSecretHash);
        Assert.Equal("bootstrap client (configuration)", client.Description);
        Assert.Equal((Start, Start), (client.CreatedAt, client.UpdatedAt));
    }

    [Fact]
    public async Task Configured_scopes_are_split_on_spaces_and_commas_once_each()
    {
        var client = await StartAsync(Configured("bootstrap-" + Ids.New(), scopes: " user:read, user:read  client:admin,"), Start);

        Assert.Equal([Scopes.Read, "client:admin"], client.Scopes);
        Assert.Equal([Scopes.Read, Scopes.Write], BootstrapClientsService.ParseScopes(null));
        Assert.Equal([Scopes.Read, Scopes.Write], BootstrapClientsService.ParseScopes(" , "));
    }

    [Fact]
    public async Task A_restart_with_the_same_configuration_keeps_the_client_and_its_tokens()
    {
        var clientId = "bootstrap-" + Ids.New();
        var application = ApiFixture.NewApplicationId();
        var first = await StartAsync(Configured(clientId, scopes: "user:read", applications: application), Start);
        // Changed through the client management endpoint meanwhile: a description, a rotation's grace period, disabled.
        var graceUntil = Start.AddHours(2);
        var previous = SecretHasher.Hash("older-secret");
        first.Description = "named by an admin";
        first.PreviousSecretHash = previous;
        first.PreviousSecretValidUntil = graceUntil;
        first.Disabled = true;
        first.Version++;
        await Store.UpsertAsync(first, Ct);

        var again = await StartAsync(Configured(clientId, scopes: "user:read", applications: application), Start.AddHours(1));

        Assert.Equal((first.Id, first.SecretHash, Start), (again.Id, again.SecretHash, again.CreatedAt));
        Assert.Equal(Start.AddHours(1), again.UpdatedAt);
        Assert.Equal((0L, 3L), (again.Generation, again.Version));
        Assert.Equal((previous, graceUntil), (again.PreviousSecretHash, again.PreviousSecretValidUntil));
        Assert.Equal("named by an admin", again.Description);
        Assert.True(again.Disabled);
    }

    [Fact]
    public async Task A_restart_with_changed_scopes_applications_company_or_secret_ends_the_tokens_and_the_grace_period()
    {
        var clientId = "bootstrap-" + Ids.New();
        var application = ApiFixture.NewApplicationId();
        var first = await StartAsync(Configured(clientId, scopes: "user:read", applications: application), Start);
        first.PreviousSecretHash = SecretHasher.Hash("older-secret");
        first.PreviousSecretValidUntil = Start.AddHours(2);
        first.Description = "";
        await Store.UpsertAsync(first, Ct);

        // Scopes: same secret (hash kept), generation up, the rotation's grace period gone.
        var scopes = await StartAsync(Configured(clientId, scopes: "user:read user:write", applications: application), Start.AddMinutes(1));
        Assert.Equal((first.Id, first.SecretHash, Start), (scopes.Id, scopes.SecretHash, scopes.CreatedAt));
        Assert.Equal((1L, 2L), (scopes.Generation, scopes.Version));
        Assert.Equal([Scopes.Read, Scopes.Write], scopes.Scopes);
        Assert.Null(scopes.PreviousSecretHash);
        Assert.Null(scopes.PreviousSecretValidUntil);
        Assert.Equal("bootstrap client (configuration)", scopes.Description);

        // Applications.
        var other = ApiFixture.NewApplicationId();
        var applications = await StartAsync(Configured(clientId, scopes: "user:read user:write", applications: other), Start.AddMinutes(2));
        Assert.Equal([other], applications.ApplicationIds);
        Assert.Equal((2L, first.SecretHash), (applications.Generation, applications.SecretHash));

        // Company.
        var moved = Configured(clientId, scopes: "user:read user:write", applications: other);
        moved.CompanyId = "2002";
        var company = await StartAsync(moved, Start.AddMinutes(3));
        Assert.Equal(("2002", 3L), (company.CompanyId, company.Generation));

        // Secret: a new hash of the configured secret; the old secret no longer verifies.
        var rotated = Configured(clientId, secret: "configured-secret-2", scopes: "user:read user:write", applications: other);
        rotated.CompanyId = "2002";
        var secret = await StartAsync(rotated, Start.AddMinutes(4));
        Assert.True(SecretHasher.Verify("configured-secret-2", secret.SecretHash));
        Assert.False(SecretHasher.Verify("configured-secret-1", secret.SecretHash));
        Assert.Equal((4L, 5L, first.Id, Start), (secret.Generation, secret.Version, secret.Id, secret.CreatedAt));

        // And the same again: unchanged now.
        var same = await StartAsync(rotated, Start.AddMinutes(5));
        Assert.Equal((4L, 6L, secret.SecretHash), (same.Generation, same.Version, same.SecretHash));
    }

    private sealed class FixedClock(DateTime now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(now);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteBootstrapClientsTests(SqliteApiFixture fixture) : BootstrapClientsTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoBootstrapClientsTests(MongoApiFixture fixture) : BootstrapClientsTests(fixture);
