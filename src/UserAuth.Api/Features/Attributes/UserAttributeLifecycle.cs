using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Api.Features.Attributes;

/// <summary>
/// Attribute values follow their user: hidden while the user is deleted (restorable), shown again when restored,
/// removed when the user is archived or erased.
/// </summary>
internal sealed class UserAttributeLifecycle(IAttributeStore store, ILogger<UserAttributeLifecycle> logger) : IUserStateListener
{
    public async Task OnStateChangedAsync(Tenant tenant, string userId, UserState from, UserState to, CancellationToken cancellationToken)
    {
        switch (to)
        {
            case UserState.Deleted:
                await store.SetHiddenAsync(tenant, userId, true, cancellationToken);
                break;
            case UserState.Live:
                await store.SetHiddenAsync(tenant, userId, false, cancellationToken);
                break;
            case UserState.Archived or UserState.Erased:
                var removed = await store.DeleteValuesAsync(tenant, userId, null, cancellationToken);
                logger.LogInformation("Removed {Count} attribute values of {State} user {UserId}", removed, to, userId);
                break;
        }
    }
}
