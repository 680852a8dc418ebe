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
}

[Collection(SqliteCollection.Name)]
public sealed class SqliteApiClientStoreContractTests(SqliteApiFixture fixture) : ApiClientStoreContractTests(fixture);

[Collection(MongoCollection.Name)]
public sealed class MongoApiClientStoreContractTests(MongoApiFixture fixture) : ApiClientStoreContractTests(fixture);
