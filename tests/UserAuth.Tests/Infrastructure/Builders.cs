using System.Globalization;
using System.Text.Json;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Tests.Infrastructure;

/// <summary>
/// Test data with sensible defaults, one set for every suite: request bodies (<see cref="User"/>), domain objects for
/// the store contract tests (<see cref="StoredUser"/>), and unique identifiers. Users created over HTTP: <see cref="TestUsers"/>.
/// </summary>
public static class Build
{
    private static int counter = Random.Shared.Next(1_000_000);

    /// <summary>A unique valid Indian mobile number (national form).</summary>
    public static string Phone() => "98" + (Interlocked.Increment(ref counter) % 100_000_000).ToString("D8", CultureInfo.InvariantCulture);

    public static string Username(string prefix = "user") => $"{prefix}_{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>A unique email address.</summary>
    public static string Email(string prefix = "user") => $"{prefix}_{Guid.NewGuid().ToString("N")[..12]}@example.com";

    /// <summary>The body of a create-customer request.</summary>
    public static Dictionary<string, object?> User(string? username = null, string? phone = null, string? email = null,
        string? firstName = "Akash", string? lastName = "Mane") => new()
    {
        ["username"] = username ?? Username(),
        ["phone_number"] = phone ?? Phone(),
        ["email"] = email,
        ["first_name"] = firstName,
        ["last_name"] = lastName,
        ["gender"] = "male",
        ["meta"] = new Dictionary<string, object> { ["source"] = "tests" },
    };

    /// <summary>
    /// A user as the service hands it to a store: one phone (primary), an optional primary email, a "created" timeline
    /// event, times to the millisecond (what both stores keep), derived fields computed.
    /// </summary>
    internal static User StoredUser(Tenant tenant, string? username = null, string? email = null, string? phone = null,
        string? firstName = "Ada", string? lastName = "Lovelace", DateTime? createdAt = null, UserState state = UserState.Live,
        string? meta = null, string? id = null)
    {
        var created = Millis(createdAt ?? DateTime.UtcNow);
        var user = new User
        {
            Id = id ?? Ids.New(),
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            Username = username ?? Username(),
            FirstName = firstName,
            LastName = lastName,
            Meta = meta,
            Emails = email is null ? [] : [new UserEmail { Email = email, Primary = true }],
            PhoneNumbers = [new UserPhone { CountryCode = 91, Phone = phone ?? Phone(), Primary = true }],
            State = state,
            CreatedAt = created,
            UpdatedAt = created,
            Timeline = [new TimelineEvent { Type = "created", Title = "Account created", Date = created }],
        };
        return user;
    }

    /// <summary>A UTC time cut to whole milliseconds, the precision both stores keep.</summary>
    public static DateTime Millis(DateTime time) =>
        new(time.Ticks - time.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
}

/// <summary>A user created over HTTP: what was sent (identifiers as given) and the answer's <c>user</c>.</summary>
public sealed record CreatedUser(string Id, string Username, string Email, string Phone, JsonElement Json);

/// <summary>Users created through the API (POST .../customers), the one way every API suite makes them.</summary>
public static class TestUsers
{
    /// <summary>Creates a user with a unique username, email and phone (or the ones given) in <paramref name="app"/>.</summary>
    public static async Task<CreatedUser> NewCustomerAsync(this HttpClient http, string app, string? username = null,
        string? email = null, string? phone = null, string? firstName = "Akash", string? lastName = "Mane", string company = "1001")
    {
        username ??= Build.Username();
        email ??= Build.Email();
        phone ??= Build.Phone();
        var user = await http.NewCustomerAsync(app, Build.User(username, phone, email, firstName, lastName), company);
        return user with { Username = username, Email = email, Phone = phone };
    }

    /// <summary>Creates a user from a request body (see <see cref="Build.User"/>) in <paramref name="app"/>.</summary>
    public static async Task<CreatedUser> NewCustomerAsync(this HttpClient http, string app, Dictionary<string, object?> body,
        string company = "1001")
    {
        var user = (await http.PostJsonAsync($"{Http.App(app, company)}/customers", body)).GetProperty("user");
        return new CreatedUser(user.GetProperty("_id").GetString()!, user.GetProperty("username").GetString()!,
            body.GetValueOrDefault("email") as string ?? "", body.GetValueOrDefault("phone_number") as string ?? "", user);
    }
}
