using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Tests.Infrastructure;

/// <summary>
/// The real user store of a fixture, for a second service instance over it (<see cref="InstanceOver"/>), with a hook run
/// before every replace: where a write of another instance can win the race, for real. Optionally drops the taken key
/// from <see cref="IdentityTakenException"/>, as a server whose duplicate-key error does not name it would.
/// </summary>
internal sealed class RacingUserStore : IUserStore
{
    private IUserStore inner = null!;

    /// <summary>Runs before each replace of this instance (set it to null from inside to act only once).</summary>
    public Func<User, Task>? BeforeReplace { get; set; }

    public bool HideTakenKey { get; init; }

    /// <summary>How many replaces this instance attempted.</summary>
    public int Replaces { get; set; }

    /// <summary>A second instance of the service over the fixture's store, writing users through this store.</summary>
    public WebApplicationFactory<Program> InstanceOver(ApiFixture fixture) =>
        fixture.Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            var registered = services.Last(d => d.ServiceType == typeof(IUserStore));
            services.Remove(registered);
            services.AddSingleton<IUserStore>(sp =>
            {
                inner = (IUserStore)registered.ImplementationFactory!(sp);
                return this;
            });
        }));

    public async Task<bool> ReplaceAsync(User user, int expectedVersion, CancellationToken cancellationToken)
    {
        Replaces++;
        if (BeforeReplace is { } before)
        {
            await before(user);
        }

        try
        {
            return await inner.ReplaceAsync(user, expectedVersion, cancellationToken);
        }
        catch (IdentityTakenException) when (HideTakenKey)
        {
            throw new IdentityTakenException(null);
        }
    }

    public Task InsertAsync(User user, CancellationToken cancellationToken) => inner.InsertAsync(user, cancellationToken);

    public Task<User?> FindByIdAsync(Tenant tenant, string id, CancellationToken cancellationToken) =>
        inner.FindByIdAsync(tenant, id, cancellationToken);

    public Task<IReadOnlyList<User>> FindByIdsAsync(Tenant tenant, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        inner.FindByIdsAsync(tenant, ids, cancellationToken);

    public Task<CustomerPage> ListAsync(Tenant tenant, CustomerFilter filter, int skip, int take, CancellationToken cancellationToken) =>
        inner.ListAsync(tenant, filter, skip, take, cancellationToken);

    public Task<IReadOnlyList<User>> FindByKeysAsync(Tenant tenant, IReadOnlyCollection<string> keys, int limit,
        CancellationToken cancellationToken) => inner.FindByKeysAsync(tenant, keys, limit, cancellationToken);

    public Task<IReadOnlyList<string>> InsertManyAsync(IReadOnlyList<User> users, CancellationToken cancellationToken) =>
        inner.InsertManyAsync(users, cancellationToken);

    public Task<IReadOnlyList<User>> ListByCreationAsync(Tenant tenant, UserState state, DateTime? from, DateTime to,
        (DateTime CreatedAt, string Id)? after, int take, CancellationToken cancellationToken) =>
        inner.ListByCreationAsync(tenant, state, from, to, after, take, cancellationToken);

    public Task<IReadOnlyList<User>> FindDeletedDueAsync(DateTime now, int limit, CancellationToken cancellationToken) =>
        inner.FindDeletedDueAsync(now, limit, cancellationToken);
}
