namespace UserAuth.Api.Features.Customers;

/// <summary>Where a customer is in their life: live (active or blocked), archived, deleted (restorable) or erased.</summary>
public enum UserState
{
    Live,
    Archived,
    Deleted,
    Erased,
}

/// <summary>A customer of one application, as the service works with it (not a wire contract).</summary>
internal sealed class User
{
    public string Id { get; set; } = "";

    public string CompanyId { get; set; } = "";

    public string ApplicationId { get; set; } = "";

    public string Username { get; set; } = "";

    public string? FirstName { get; set; }

    public string? LastName { get; set; }

    public string? Gender { get; set; }

    public DateTime? Dob { get; set; }

    public string? ExternalId { get; set; }

    public string? RrId { get; set; }

    public string AccountType { get; set; } = "user";

    public string? ProfilePicUrl { get; set; }

    /// <summary>Any JSON value, kept as its JSON text (a sub-document in MongoDB).</summary>
    public string? Meta { get; set; }

    public List<UserEmail> Emails { get; set; } = [];

    public List<UserPhone> PhoneNumbers { get; set; } = [];

    /// <summary>False while blocked.</summary>
    public bool Active { get; set; } = true;

    public UserState State { get; set; } = UserState.Live;

    public DateTime? DeletedAt { get; set; }

    /// <summary>End of the restore window of a deleted user; then the personal data is erased.</summary>
    public DateTime? DeleteOn { get; set; }

    /// <summary>
    /// The username, emails and phones this user holds (<see cref="Customers.IdentityKeys"/>), derived from them and the
    /// state: none once released (archived, erased).
    /// </summary>
    public IReadOnlyList<string> IdentityKeys => HoldsIdentifiers ? Customers.IdentityKeys.Of(this) : [];

    /// <summary>Incremented by every change; writes are conditional on it.</summary>
    public int Version { get; set; }

    /// <summary>
    /// The sign-in generation: incremented whenever the user stops being able to sign in (blocked, archived, deleted,
    /// erased). A session is valid only while it carries the current generation, so a session created from a read of
    /// the user made before such a change is dead whatever the order its insert and the revocation ran in.
    /// </summary>
    public int SessionEpoch { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// Timeline events that versions before the audit store kept inside the user document. Read (merged with the audit
    /// store's events by <see cref="Audit.AuditService.TimelineAsync"/>) and cleared on erasure; nothing adds to it.
    /// </summary>
    public List<TimelineEvent> Timeline { get; set; } = [];

    /// <summary>Live and not blocked: the only users who can have sessions.</summary>
    public bool CanHaveSessions() => State == UserState.Live && Active;

    /// <summary>Live and deleted (within the restore window) users keep their username, emails and phones reserved.</summary>
    public bool HoldsIdentifiers => State is UserState.Live or UserState.Deleted;
}

internal sealed class UserEmail
{
    public string Email { get; set; } = "";

    public bool Primary { get; set; }

    public bool Verified { get; set; }

    public bool Active { get; set; } = true;
}

internal sealed class UserPhone
{
    public int CountryCode { get; set; }

    /// <summary>The national significant number, digits only.</summary>
    public string Phone { get; set; } = "";

    public bool Primary { get; set; }

    public bool Verified { get; set; }

    public bool Active { get; set; } = true;

    public string E164 => $"+{CountryCode}{Phone}";
}

internal sealed class TimelineEvent
{
    public string Type { get; set; } = "";

    public string Title { get; set; } = "";

    public string? SubTitle { get; set; }

    public DateTime Date { get; set; }

    public bool Visible { get; set; } = true;
}

/// <summary>
/// The identifiers unique per application among users who hold them: <c>u:username</c>, <c>e:email</c>,
/// <c>p:+E164</c>. Both stores enforce their uniqueness with a unique index / constraint.
/// </summary>
internal static class IdentityKeys
{
    public static string Username(string username) => "u:" + username.ToLowerInvariant();

    public static string Email(string email) => "e:" + email.ToLowerInvariant();

    public static string Phone(string e164) => "p:" + e164;

    public static List<string> Of(User user) =>
    [
        Username(user.Username),
        .. user.Emails.Select(e => Email(e.Email)),
        .. user.PhoneNumbers.Select(p => Phone(p.E164)),
    ];

    /// <summary>The request field a taken key belongs to.</summary>
    public static string KindOf(string key) => key[0] switch
    {
        'u' => "username",
        'e' => "email",
        _ => "phone",
    };
}
