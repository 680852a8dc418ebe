using System.Text.Json;

namespace UserAuth.Api.Common;

/// <summary>
/// Which fields a write really changed, as its service found them (wire names), for the audit record: the audit filter
/// opens a scope around the action (<see cref="Begin"/>, an AsyncLocal, so it flows into the controller and the
/// service); a service that compares the old and new values reports them with <see cref="Report"/>, or lets
/// <see cref="Compare{T}"/> / <see cref="Track{T}"/> compare two domain values field by field. A write whose service
/// reports nothing is recorded with the fields it sent.
/// </summary>
public sealed class ChangedFields : IDisposable
{
    private static readonly AsyncLocal<ChangedFields?> Current = new();

    /// <summary>
    /// How domain values are compared: every public property and field, snake_case (the wire's spelling of the same
    /// names), nested objects and lists by their contents. Only for comparing; never stored or answered.
    /// </summary>
    private static readonly JsonSerializerOptions Fields = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        IncludeFields = true,
    };

    private readonly ChangedFields? outer;

    private readonly Dictionary<string, UserChange> users = new(StringComparer.Ordinal);

    private ChangedFields(ChangedFields? outer) => this.outer = outer;

    /// <summary>The fields the service reported as changed (the last report wins: a retried write reports again); null when none did.</summary>
    public IReadOnlySet<string>? Reported { get; private set; }

    /// <summary>
    /// Per user, for a write that concerns several users (or one, in its own steps): which fields it changed for that
    /// user, and whether it wrote anything for them (<see cref="ReportFor"/>); empty when the service reported no user.
    /// </summary>
    public IReadOnlyDictionary<string, UserChange> ReportedUsers => users;

    /// <summary>Opens the scope of one write; dispose it when the write is done.</summary>
    public static ChangedFields Begin()
    {
        var scope = new ChangedFields(Current.Value);
        Current.Value = scope;
        return scope;
    }

    /// <summary>Reports the fields this write changed (none: the write changed nothing). Without a scope, nothing happens.</summary>
    public static void Report(IEnumerable<string> fields)
    {
        if (Current.Value is { } scope)
        {
            scope.Reported = fields.ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Reports, for one user (lower-cased id) of the write, the fields it changed for them and whether it wrote
    /// anything for them (<paramref name="wrote"/>: a state change, a revoked session...), as soon as that user's part
    /// is committed. Reports for the same user add up (fields joined, <c>wrote</c> once true stays true). A write that
    /// fails after it has written for some users still has those users' parts in the store: the audit filter keeps
    /// their records (with the failure's status) instead of dropping them. Without a scope, nothing happens.
    /// </summary>
    public static void ReportFor(string userId, IEnumerable<string> fields, bool wrote)
    {
        if (Current.Value is not { } scope)
        {
            return;
        }

        var named = fields.ToHashSet(StringComparer.Ordinal);
        if (scope.users.TryGetValue(userId, out var earlier))
        {
            named.UnionWith(earlier.Fields);
            wrote |= earlier.Wrote;
        }

        scope.users[userId] = new UserChange(named, wrote);
    }

    /// <summary>
    /// Compares two values of one domain type field by field (deeply: nested objects and lists by their contents) and
    /// reports the fields whose values differ, by their snake_case names. <paramref name="aliases"/> name a field's
    /// other wire names (<c>("multi_value", "is_multi_value")</c>): a changed field is reported under each of them.
    /// </summary>
    public static void Compare<T>(T before, T after, params (string Field, string Alias)[] aliases) =>
        Report(Differing(Snapshot(before), Snapshot(after), aliases));

    /// <summary>
    /// For a domain value a write changes in place: remembers its fields now; disposing the answer compares them with
    /// the value's fields then (as <see cref="Compare{T}"/>) and reports the difference. Open it before the change,
    /// dispose it after (<c>using var changes = ChangedFields.Track(value);</c>).
    /// </summary>
    public static IDisposable Track<T>(T value, params (string Field, string Alias)[] aliases) =>
        new Tracked<T>(value, Snapshot(value), aliases);

    public void Dispose() => Current.Value = outer;

    private static JsonElement Snapshot<T>(T value) => JsonSerializer.SerializeToElement(value, Fields);

    private static List<string> Differing(JsonElement before, JsonElement after, (string Field, string Alias)[] aliases)
    {
        var names = before.EnumerateObject().Select(p => p.Name).Union(after.EnumerateObject().Select(p => p.Name), StringComparer.Ordinal);
        var changed = names.Where(name => !(before.TryGetProperty(name, out var old) && after.TryGetProperty(name, out var now) &&
                                           JsonElement.DeepEquals(old, now))).ToList();
        return [.. changed, .. aliases.Where(a => changed.Contains(a.Field)).Select(a => a.Alias)];
    }

    private sealed class Tracked<T>(T value, JsonElement before, (string Field, string Alias)[] aliases) : IDisposable
    {
        public void Dispose() => Report(Differing(before, Snapshot(value), aliases));
    }
}

/// <summary>What a write did for one of its users: the fields it changed (wire names), and whether it wrote anything.</summary>
public sealed record UserChange(IReadOnlySet<string> Fields, bool Wrote);
