using System.Text.Json;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Customers;

/// <summary>Customer rules: identifiers, uniqueness, versioned updates, listings.</summary>
internal sealed class UserService(IUserStore store, Identifiers identifiers, TimeProvider clock, ILogger<UserService> logger,
    IEnumerable<IUserStateListener> stateListeners)
{
    private const int MaxWriteAttempts = 8;

    public async Task<User> CreateAsync(Tenant tenant, CreateUser command, CancellationToken cancellationToken)
    {
        var user = NewUser(tenant, command, Ids.New(), clock.UtcNowMs());
        await EnsureKeysFreeAsync(tenant, user, ConflictFields.Create, cancellationToken);
        try
        {
            await store.InsertAsync(user, cancellationToken);
        }
        catch (IdentityTakenException e)
        {
            throw await ConflictForAsync(tenant, user, e.Key, ConflictFields.Create, cancellationToken);
        }

        logger.LogInformation("Created user {UserId} in application {ApplicationId}", user.Id, tenant.ApplicationId);
        return user;
    }

    /// <summary>
    /// The user a createUser command makes, not yet stored: one place for what a new user holds, shared by createUser
    /// and bulk import.
    /// </summary>
    public static User NewUser(Tenant tenant, CreateUser command, string id, DateTime now)
    {
        var profile = command.Profile;
        var user = new User
        {
            Id = id,
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            Username = command.Username,
            FirstName = profile.FirstName,
            LastName = profile.LastName,
            Gender = profile.Gender,
            ExternalId = profile.ExternalId,
            RrId = profile.RrId,
            Meta = profile.Meta ?? "{}",
            PhoneNumbers = [new UserPhone { CountryCode = command.Phone.CountryCode, Phone = command.Phone.NationalNumber, Primary = true }],
            Emails = command.Email is { } email ? [new UserEmail { Email = email, Primary = true }] : [],
            CreatedAt = now,
            UpdatedAt = now,
        };
        return user;
    }

    public Task<User> UpdateAsync(Tenant tenant, string userId, UpdateUser command, CancellationToken cancellationToken) =>
        UpdateAsync(tenant, userId, command, null, cancellationToken);

    /// <summary>updateUser; with <paramref name="ifMatch"/>, only while the user's version is one the caller read (else 412).</summary>
    public Task<User> UpdateAsync(Tenant tenant, string userId, UpdateUser command, IfMatch? ifMatch,
        CancellationToken cancellationToken) =>
        MutateAsync(tenant, userId.ToLowerInvariant(), null, user =>
        {
            ifMatch?.Check(user.Version, "user");
            if (user.State != UserState.Live)
            {
                throw new ConflictException($"The user is {user.State.ToString().ToLowerInvariant()} and cannot be updated.", "user_not_live");
            }

            var before = Profile.Of(user);
            var profile = command.Profile;
            user.FirstName = profile.FirstName ?? user.FirstName;
            user.LastName = profile.LastName ?? user.LastName;
            user.Gender = profile.Gender ?? user.Gender;
            user.ExternalId = profile.ExternalId ?? user.ExternalId;
            user.RrId = profile.RrId ?? user.RrId;
            user.Meta = profile.Meta ?? user.Meta;
            if (command.Emails is not null)
            {
                user.Emails = [.. command.Emails];
            }

            if (command.PhoneNumbers is not null)
            {
                user.PhoneNumbers = [.. command.PhoneNumbers];
            }

            // No write (and no new version) when nothing changes; the audit record names what did.
            var changed = before.ChangedFields(Profile.Of(user));
            ChangedFields.Report(changed);
            return changed.Count > 0;
        }, cancellationToken);

    public async Task<User> GetAsync(Tenant tenant, string userId, CancellationToken cancellationToken)
    {
        var id = userId.ToLowerInvariant();
        var user = await store.FindByIdAsync(tenant, id, cancellationToken);
        return user is null || user.State == UserState.Erased ? throw UserNotFound() : user;
    }

    /// <summary>
    /// Loads, changes and conditionally writes a user, retrying when a concurrent write won, so no write is lost.
    /// <paramref name="change"/> returns false to leave the user as it is.
    /// </summary>
    public Task<User> MutateAsync(Tenant tenant, string userId, Func<User, bool> change, CancellationToken cancellationToken) =>
        MutateAsync(tenant, userId.ToLowerInvariant(), null, change, cancellationToken);

    /// <summary>
    /// As <see cref="MutateAsync(Tenant, string, Func{User, bool}, CancellationToken)"/>, starting from a user the caller has
    /// just loaded (no second read); a retry after a lost race reads it again.
    /// </summary>
    public Task<User> MutateAsync(Tenant tenant, User loaded, Func<User, bool> change, CancellationToken cancellationToken) =>
        MutateAsync(tenant, loaded.Id, loaded, change, cancellationToken);

    private async Task<User> MutateAsync(Tenant tenant, string id, User? loaded, Func<User, bool> change,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
        {
            var user = attempt == 0 && loaded is not null ? loaded : await store.FindByIdAsync(tenant, id, cancellationToken);
            if (user is null || user.State == UserState.Erased)
            {
                throw UserNotFound();
            }

            var expected = user.Version;
            var stateBefore = user.State;
            var oldKeys = user.IdentityKeys.ToHashSet();
            var couldHaveSessions = user.CanHaveSessions();
            if (!change(user))
            {
                return user;
            }

            if (couldHaveSessions && !user.CanHaveSessions())
            {
                user.SessionEpoch++; // every session of the earlier generation is dead from this write on
            }

            user.Version = expected + 1;
            user.UpdatedAt = clock.UtcNowMs();
            if (user.IdentityKeys.Any(k => !oldKeys.Contains(k)))
            {
                await EnsureKeysFreeAsync(tenant, user, ConflictFields.Update, cancellationToken);
            }

            try
            {
                if (await store.ReplaceAsync(user, expected, cancellationToken))
                {
                    if (user.State != stateBefore)
                    {
                        await NotifyStateChangedAsync(tenant, user, stateBefore, cancellationToken);
                    }

                    return user;
                }
            }
            catch (IdentityTakenException e)
            {
                throw await ConflictForAsync(tenant, user, e.Key, ConflictFields.Update, cancellationToken);
            }

            await Task.Delay(Random.Shared.Next(1, 5 * (attempt + 1)), cancellationToken);
        }

        throw new ConflictException("The user is being changed by other requests; try again.", "concurrent_update");
    }

    private async Task NotifyStateChangedAsync(Tenant tenant, User user, UserState from, CancellationToken cancellationToken)
    {
        foreach (var listener in stateListeners)
        {
            try
            {
                await listener.OnStateChangedAsync(tenant, user.Id, from, user.State, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "{Listener} failed after user {UserId} became {State}", listener.GetType().Name, user.Id, user.State);
            }
        }
    }

    public async Task<CustomerPage> ListAsync(Tenant tenant, string? q, PageRequest page,
        CancellationToken cancellationToken) =>
        await store.ListAsync(tenant, FilterFor(q), page.Skip, page.PageSize, cancellationToken);

    /// <summary>Live users holding one of <paramref name="terms"/> (emails, phones or usernames, matched exactly).</summary>
    public async Task<IReadOnlyList<User>> SearchAsync(Tenant tenant, IReadOnlyList<string> terms, CancellationToken cancellationToken)
    {
        var keys = terms.SelectMany(ExactKeysFor).Distinct().ToList();
        var users = await store.FindByKeysAsync(tenant, keys, CustomerRules.MaxSearchTerms, cancellationToken);
        return users.Where(u => u.State == UserState.Live).ToList();
    }

    /// <summary>What getCustomers' <c>q</c> (and an export's <c>search</c>) matches.</summary>
    public CustomerFilter FilterFor(string? q)
    {
        if (string.IsNullOrWhiteSpace(q))
        {
            return CustomerFilter.All;
        }

        var term = q.Trim();
        var keys = ExactKeysFor(term);
        // An email or phone is matched exactly; anything else is also a prefix of username, first or last name.
        var prefix = term.Contains('@', StringComparison.Ordinal) || keys.Any(k => k.StartsWith("p:", StringComparison.Ordinal))
            ? null
            : term.ToLowerInvariant();
        return new CustomerFilter(keys, prefix);
    }

    private List<string> ExactKeysFor(string term)
    {
        var keys = new List<string>();
        if (Identifiers.NormalizeEmail(term) is { } email)
        {
            keys.Add(IdentityKeys.Email(email));
        }
        else if (identifiers.ParsePhone(term) is { } phone)
        {
            keys.Add(IdentityKeys.Phone(phone.E164));
        }

        if (!term.Contains(' ', StringComparison.Ordinal))
        {
            keys.Add(IdentityKeys.Username(term.Trim()));
        }

        return keys;
    }

    private async Task EnsureKeysFreeAsync(Tenant tenant, User user, ConflictFields fields, CancellationToken cancellationToken)
    {
        if (await TakenKeyAsync(tenant, user, cancellationToken) is { } taken)
        {
            throw Conflict(taken, fields);
        }
    }

    /// <summary>One of the user's identity keys that another user of the application holds, or null.</summary>
    private async Task<string?> TakenKeyAsync(Tenant tenant, User user, CancellationToken cancellationToken)
    {
        var holders = await store.FindByKeysAsync(tenant, user.IdentityKeys, 10, cancellationToken);
        return holders.Where(h => h.Id != user.Id)
            .SelectMany(h => h.IdentityKeys)
            .FirstOrDefault(k => user.IdentityKeys.Contains(k));
    }

    /// <summary>
    /// The 409 for a write the store refused: the adapters name the taken key; only when one cannot (a server whose
    /// error does not say) is the holder looked up.
    /// </summary>
    private async Task<ConflictException> ConflictForAsync(Tenant tenant, User user, string? key, ConflictFields fields,
        CancellationToken cancellationToken)
    {
        key ??= await TakenKeyAsync(tenant, user, cancellationToken);
        return Conflict(key ?? IdentityKeys.Username(user.Username), fields);
    }

    private static ConflictException Conflict(string key, ConflictFields fields)
    {
        var kind = IdentityKeys.KindOf(key);
        var field = kind switch
        {
            "username" => "username",
            "email" => fields == ConflictFields.Create ? "email" : "emails",
            _ => fields == ConflictFields.Create ? "phone_number" : "phone_numbers",
        };
        var what = kind == "phone" ? "phone number" : kind;
        return new ConflictException($"A user with this {what} already exists in this application.", $"duplicate_{kind}",
            [new FieldError(field, $"this {what} belongs to another user")]);
    }

    public static NotFoundException UserNotFound() => new("User not found.", "user_not_found");
}

/// <summary>What updateUser can change, to tell whether it changed anything (meta compared as JSON, not as text).</summary>
internal sealed record Profile(
    string? FirstName,
    string? LastName,
    string? Gender,
    string? ExternalId,
    string? RrId,
    string? Meta,
    IReadOnlyList<(string Email, bool Primary, bool Verified, bool Active)> Emails,
    IReadOnlyList<(int CountryCode, string Phone, bool Primary, bool Verified, bool Active)> Phones)
{
    public static Profile Of(User user) => new(user.FirstName, user.LastName, user.Gender, user.ExternalId, user.RrId, user.Meta,
        user.Emails.Select(e => (e.Email, e.Primary, e.Verified, e.Active)).ToList(),
        user.PhoneNumbers.Select(p => (p.CountryCode, p.Phone, p.Primary, p.Verified, p.Active)).ToList());

    /// <summary>The updateUser fields (wire names) whose values differ between this profile and <paramref name="other"/>.</summary>
    public List<string> ChangedFields(Profile other)
    {
        var changed = new List<string>();
        Add(FirstName != other.FirstName, "first_name");
        Add(LastName != other.LastName, "last_name");
        Add(Gender != other.Gender, "gender");
        Add(ExternalId != other.ExternalId, "external_id");
        Add(RrId != other.RrId, "rr_id");
        Add(!SameJson(Meta, other.Meta), "meta");
        Add(!Emails.SequenceEqual(other.Emails), "emails");
        Add(!Phones.SequenceEqual(other.Phones), "phone_numbers");
        return changed;

        void Add(bool differs, string field)
        {
            if (differs)
            {
                changed.Add(field);
            }
        }
    }

    private static bool SameJson(string? a, string? b)
    {
        if (a == b)
        {
            return true;
        }

        if (a is null || b is null)
        {
            return false;
        }

        using var left = JsonDocument.Parse(a);
        using var right = JsonDocument.Parse(b);
        return JsonElement.DeepEquals(left.RootElement, right.RootElement);
    }
}

/// <summary>Which request's field names a conflict is reported with: createUser's or updateUser's.</summary>
internal enum ConflictFields
{
    Create,
    Update,
}
