using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Auth;

/// <summary>The <see cref="IApiClientStore"/> port's contract, run against every adapter.</summary>
public abstract class ApiClientStoreContractTests(ApiFixture fixture)
{
    private static readonly CancellationToken None = CancellationToken.None;

    private IApiClientStore Store
    {
        get
        {
            fixture.RequireStore();
            return fixture.Services.GetRequiredService<IApiClientStore>();
        }
    }

    private static ApiClient NewClient(string? clientId = null) => new()
    {
        Id = Ids.New(),
        ClientId = clientId ?? "contract-" + Ids.New(),
        SecretHash = "hash-" + Ids.New(),
        CompanyId = "1001",
        ApplicationIds = [ApiFixture.NewApplicationId(), ApiFixture.NewApplicationId()],
        Scopes = [Scopes.Read, Scopes.Write],
        CreatedAt = new DateTime(2024, 5, 1, 10, 0, 0, 123, DateTimeKind.Utc),
        UpdatedAt = new DateTime(2024, 5, 2, 10, 0, 0, 456, DateTimeKind.Utc),
    };

    [Fact]
    public async Task An_upserted_client_reads_back_whole_by_its_client_id()
    {
        var client = NewClient();
        await Store.UpsertAsync(client, None);

        var read = await Store.FindByClientIdAsync(client.ClientId, None);
        Assert.NotNull(read);
        Assert.Equal((client.ClientId, client.SecretHash, client.CompanyId), (read.ClientId, read.SecretHash, read.CompanyId));
        Assert.Equal(client.ApplicationIds, read.ApplicationIds);
        Assert.Equal(client.Scopes, read.Scopes);
        Assert.Equal(client.CreatedAt, read.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, read.CreatedAt.Kind);
        Assert.Equal(client.UpdatedAt, read.UpdatedAt);
    }

    [Fact]
    public async Task An_unknown_client_id_is_null()
    {
        Assert.Null(await Store.FindByClientIdAsync("contract-unknown-" + Ids.New(), None));
    }

    [Fact]
    public async Task Upserting_the_same_client_id_replaces_the_client_and_leaves_others_alone()
    {
        var first = NewClient();
        var other = NewClient();
        await Store.UpsertAsync(first, None);
        await Store.UpsertAsync(other, None);

        var replacement = NewClient(first.ClientId);
        replacement.Id = first.Id;
        replacement.CompanyId = "2002";
        replacement.Scopes = [Scopes.Read];
        replacement.ApplicationIds = [];
        await Store.UpsertAsync(replacement, None);

        var read = await Store.FindByClientIdAsync(first.ClientId, None);
        Assert.NotNull(read);
        Assert.Equal("2002", read.CompanyId);
        Assert.Equal(replacement.SecretHash, read.SecretHash);
        Assert.Equal([Scopes.Read], read.Scopes);
        Assert.Empty(read.ApplicationIds);
        Assert.Equal(other.SecretHash, (await Store.FindByClientIdAsync(other.ClientId, None))!.SecretHash);
    }

    [Fact]
    public async Task Client_ids_are_matched_exactly()
    {
        var client = NewClient("contract-Case-" + Ids.New());
        await Store.UpsertAsync(client, None);
        Assert.Null(await Store.FindByClientIdAsync(client.ClientId.ToUpperInvariant(), None));
        Assert.Null(await Store.FindByClientIdAsync(client.ClientId[..^1], None));
    }

    [Fact]
    public async Task Management_fields_read_back_whole()
    {
        var client = NewClient();
        client.PreviousSecretHash = "previous-" + Ids.New();
        client.PreviousSecretValidUntil = new DateTime(2030, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
        client.Disabled = true;
        client.Generation = 7;
        client.Version = 9;
        client.RequestsPerSecond = 25;
        client.Description = "dashboard";
        Assert.True(await Store.CreateAsync(client, None));

        var read = await Store.FindByClientIdAsync(client.ClientId, None);
        Assert.NotNull(read);
        Assert.Equal((client.PreviousSecretHash, client.PreviousSecretValidUntil, true, 7L, 9L, (int?)25, "dashboard"),
            (read.PreviousSecretHash, read.PreviousSecretValidUntil, read.Disabled, read.Generation, read.Version,
                read.RequestsPerSecond, read.Description));
        Assert.Equal(DateTimeKind.Utc, read.PreviousSecretValidUntil!.Value.Kind);
        Assert.Equal(client.Id, read.Id);
    }

    [Fact]
    public async Task Create_refuses_a_taken_client_id_and_writes_nothing()
    {
        var first = NewClient();
        Assert.True(await Store.CreateAsync(first, None));
        var second = NewClient(first.ClientId);
        second.CompanyId = "2002";
        Assert.False(await Store.CreateAsync(second, None));

        var read = await Store.FindByClientIdAsync(first.ClientId, None);
        Assert.Equal((first.SecretHash, "1001"), (read!.SecretHash, read.CompanyId));
    }

    [Fact]
    public async Task Replace_writes_only_over_the_expected_version()
    {
        var client = NewClient();
        client.Version = 3;
        await Store.CreateAsync(client, None);

        client.Scopes = [Scopes.Read];
        client.Version = 4;
        Assert.False(await Store.ReplaceAsync(client, 2, None));
        Assert.Equal([Scopes.Read, Scopes.Write], (await Store.FindByClientIdAsync(client.ClientId, None))!.Scopes);

        Assert.True(await Store.ReplaceAsync(client, 3, None));
        var read = await Store.FindByClientIdAsync(client.ClientId, None);
        Assert.Equal([Scopes.Read], read!.Scopes);
        Assert.Equal(4L, read.Version);

        // The same expected version again: another change came first.
        client.Version = 5;
        Assert.False(await Store.ReplaceAsync(client, 3, None));
        Assert.Equal(4L, (await Store.FindByClientIdAsync(client.ClientId, None))!.Version);
    }

    [Fact]
    public async Task Replace_of_an_unknown_client_writes_nothing()
    {
        var client = NewClient();
        Assert.False(await Store.ReplaceAsync(client, 0, None));
        Assert.Null(await Store.FindByClientIdAsync(client.ClientId, None));
    }

    [Fact]
    public async Task A_bootstrap_client_written_without_a_version_is_replaced_over_version_0()
    {
        var client = NewClient();
        await Store.UpsertAsync(client, None);
        client.Description = "changed";
        client.Version = 1;
        Assert.True(await Store.ReplaceAsync(client, 0, None));
        Assert.Equal("changed", (await Store.FindByClientIdAsync(client.ClientId, None))!.Description);
    }

    [Fact]
    public async Task Listing_pages_one_company_s_clients_by_client_id()
    {
        var company = "c" + Random.Shared.Next(100_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var prefix = "contract-list-" + Ids.New() + "-";
        foreach (var name in new[] { "c", "a", "d", "b" })
        {
            var client = NewClient(prefix + name);
            client.CompanyId = company;
            await Store.CreateAsync(client, None);
        }

        await Store.CreateAsync(NewClient(prefix + "other-company"), None);

        var (first, total) = await Store.ListByCompanyAsync(company, 0, 3, None);
        Assert.Equal(4, total);
        Assert.Equal([prefix + "a", prefix + "b", prefix + "c"], first.Select(c => c.ClientId));
        var (second, _) = await Store.ListByCompanyAsync(company, 3, 3, None);
        Assert.Equal([prefix + "d"], second.Select(c => c.ClientId));
        var (none, noneTotal) = await Store.ListByCompanyAsync(company + "x", 0, 10, None);
        Assert.Empty(none);
        Assert.Equal(0, noneTotal);
    }
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteApiClientStoreContractTests(SqliteStoreFixture fixture) : ApiClientStoreContractTests(fixture), IClassFixture<SqliteStoreFixture>;

[Collection(MongoCollection.Name)]
public sealed class MongoApiClientStoreContractTests(MongoStoreFixture fixture) : ApiClientStoreContractTests(fixture), IClassFixture<MongoStoreFixture>;
