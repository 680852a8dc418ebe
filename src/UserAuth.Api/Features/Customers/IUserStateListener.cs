using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Customers;

/// <summary>
/// Told after a user's state changed (archived, deleted, restored, erased), so data kept beside the user follows
/// (attribute values are hidden, shown again or removed). A listener's failure is logged, not thrown: the user's
/// change is already written, and readers check the user's state themselves.
/// </summary>
internal interface IUserStateListener
{
    Task OnStateChangedAsync(Tenant tenant, string userId, UserState from, UserState to, CancellationToken cancellationToken);
}
