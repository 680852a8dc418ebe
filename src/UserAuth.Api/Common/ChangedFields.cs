namespace UserAuth.Api.Common;

/// <summary>
/// Which fields a write really changed, as its service found them (wire names), for the audit record: the audit filter
/// opens a scope around the action (<see cref="Begin"/>, an AsyncLocal, so it flows into the controller and the
/// service); a service that compares the old and new values reports them with <see cref="Report"/>. A write whose
/// service reports nothing is recorded with the fields it sent.
/// </summary>
public sealed class ChangedFields : IDisposable
{
    private static readonly AsyncLocal<ChangedFields?> Current = new();

    private readonly ChangedFields? outer;

    private ChangedFields(ChangedFields? outer) => this.outer = outer;

    /// <summary>The fields the service reported as changed (the last report wins: a retried write reports again); null when none did.</summary>
    public IReadOnlySet<string>? Reported { get; private set; }

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

    public void Dispose() => Current.Value = outer;
}
