using System.Collections.Concurrent;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Customers;

/// <summary>A position in the listing order (newest first): <c>created_at</c> descending, then id descending.</summary>
internal readonly record struct ListingKey(DateTime CreatedAt, string Id);

/// <summary>
/// Keyset paging underneath <c>page_no</c>: for each application, the listing key of every <see cref="Step"/>-th
/// listed user, learnt as deep pages are asked for. A page at offset <c>skip</c> seeks to the nearest boundary at or
/// before it on the listing index and walks fewer than <see cref="Step"/> rows, instead of all <c>skip</c>.
/// <para>
/// Boundaries are valid for one listing generation: the stores bump an application's generation with every write
/// that adds, removes or re-lists a user (in the same transaction as the count, on SQLite), and read it with the
/// total. A changed generation drops that application's boundaries; they are learnt again on demand
/// (one seek of <see cref="Step"/> rows per boundary).
/// </para>
/// </summary>
internal sealed class ListingBoundaries
{
    /// <summary>Rows between two boundaries: the most a page walks past its boundary.</summary>
    public const int Step = 256;

    /// <summary>Applications remembered at once; beyond it the cache starts over (it is only a speed-up).</summary>
    private const int MaxApplications = 4096;

    private readonly ConcurrentDictionary<Tenant, Entry> entries = new();

    /// <summary>
    /// Where a page at <paramref name="skip"/> starts: a boundary key (the page is the rows at or after it, skipping
    /// <c>Offset</c> of them) or no key (skip <c>Offset</c> rows from the start).
    /// <paramref name="keyAt"/>(from, n) answers the key n rows after <c>from</c> (the row at <c>from</c> counts as 0;
    /// null: from the first row), or null when the listing is shorter.
    /// </summary>
    public async Task<(ListingKey? Anchor, int Offset)> SeekAsync(Tenant tenant, long generation, int skip,
        Func<ListingKey?, int, CancellationToken, Task<ListingKey?>> keyAt, CancellationToken cancellationToken)
    {
        var wanted = skip / Step;
        if (wanted == 0)
        {
            return (null, skip);
        }

        var known = entries.TryGetValue(tenant, out var entry) && entry.Generation == generation ? entry.Keys : [];
        if (known.Length < wanted && !(entry is { Complete: true } && entry.Generation == generation))
        {
            var keys = new List<ListingKey>(known);
            var complete = false;
            while (keys.Count < wanted)
            {
                var next = await keyAt(keys.Count == 0 ? null : keys[^1], Step, cancellationToken);
                if (next is null)
                {
                    complete = true;
                    break;
                }

                keys.Add(next.Value);
            }

            known = [.. keys];
            if (entries.Count >= MaxApplications)
            {
                entries.Clear();
            }

            entries.AddOrUpdate(tenant, new Entry(generation, known, complete),
                (_, old) => old.Generation == generation && old.Keys.Length > known.Length ? old : new Entry(generation, known, complete));
        }

        var at = Math.Min(wanted, known.Length);
        return at == 0 ? (null, skip) : (known[at - 1], skip - at * Step);
    }

    private sealed record Entry(long Generation, ListingKey[] Keys, bool Complete);
}
