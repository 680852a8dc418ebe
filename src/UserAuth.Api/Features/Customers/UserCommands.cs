namespace UserAuth.Api.Features.Customers;

/// <summary>
/// The profile fields createUser sets and updateUser changes, as domain values (names trimmed; <see cref="Meta"/> as
/// its JSON text, <c>{}</c> for none). In an update, null means "not sent": the stored value stays.
/// </summary>
internal sealed record ProfileValues(string? FirstName, string? LastName, string? Gender, string? ExternalId, string? RrId, string? Meta);

/// <summary>A new user as createUser (or a bulk import row) asks for it: the username trimmed, the phone parsed, the email normalised.</summary>
internal sealed record CreateUser(string Username, NormalizedPhone Phone, string? Email, ProfileValues Profile);

/// <summary>An updateUser: only what was sent changes; sent lists (emails, phones as stored) replace the old ones.</summary>
internal sealed record UpdateUser(ProfileValues Profile, IReadOnlyList<UserEmail>? Emails, IReadOnlyList<UserPhone>? PhoneNumbers);
