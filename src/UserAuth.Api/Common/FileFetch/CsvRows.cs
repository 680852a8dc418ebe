using System.Runtime.CompilerServices;
using System.Text;

namespace UserAuth.Api.Common.FileFetch;

/// <summary>One data row of a CSV file: its number (1 = the first row after the header), its fields and its text.</summary>
internal sealed record CsvRow(long Number, IReadOnlyList<string> Fields, string Text);

/// <summary>
/// Streams the rows of a CSV file (RFC 4180: quoted fields may hold commas, quotes as <c>""</c>, and line breaks),
/// one row in memory at a time. The first row is the header. Fails with <see cref="FileFetchLimitException"/> past
/// <c>maxRows</c> data rows or on a row longer than <see cref="MaxRowChars"/>.
/// </summary>
internal static class CsvRows
{
    public const int MaxRowChars = 64 * 1024;

    /// <summary>The header's column names, trimmed and lower-cased; empty when the file is empty.</summary>
    public static async Task<IReadOnlyList<string>> ReadHeaderAsync(TextReader reader, CancellationToken cancellationToken)
    {
        var header = await ReadRecordAsync(reader, cancellationToken);
        return header is null ? [] : header.Value.Fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
    }

    /// <summary>The data rows after the header (call <see cref="ReadHeaderAsync"/> first); blank lines are skipped.</summary>
    public static async IAsyncEnumerable<CsvRow> ReadAsync(TextReader reader, int maxRows,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long number = 0;
        while (await ReadRecordAsync(reader, cancellationToken) is { } record)
        {
            if (record.Fields.Count == 1 && record.Fields[0].Length == 0)
            {
                continue;
            }

            if (++number > maxRows)
            {
                throw new FileFetchLimitException($"the file has more than {maxRows} rows");
            }

            yield return new CsvRow(number, record.Fields, record.Text);
        }
    }

    /// <summary>Counts the data rows (blank lines not counted); fails past <paramref name="maxRows"/>.</summary>
    public static async Task<long> CountAsync(TextReader reader, int maxRows, CancellationToken cancellationToken)
    {
        await ReadHeaderAsync(reader, cancellationToken);
        long count = 0;
        await foreach (var row in ReadAsync(reader, maxRows, cancellationToken))
        {
            count = row.Number;
        }

        return count;
    }

    private static async Task<(List<string> Fields, string Text)?> ReadRecordAsync(TextReader reader, CancellationToken cancellationToken)
    {
        var line = await reader.ReadLineAsync(cancellationToken);
        if (line is null)
        {
            return null;
        }

        var fields = new List<string>();
        var field = new StringBuilder();
        var text = new StringBuilder(line);
        var quoted = false;
        var i = 0;
        while (true)
        {
            if (i >= line.Length)
            {
                if (!quoted)
                {
                    fields.Add(field.ToString());
                    return (fields, text.ToString());
                }

                // A line break inside quotes belongs to the field.
                line = await reader.ReadLineAsync(cancellationToken);
                if (line is null)
                {
                    fields.Add(field.ToString());
                    return (fields, text.ToString());
                }

                field.Append('\n');
                text.Append('\n').Append(line);
                if (text.Length > MaxRowChars)
                {
                    throw new FileFetchLimitException($"a row is longer than {MaxRowChars} characters");
                }

                i = 0;
                continue;
            }

            var c = line[i++];
            if (quoted)
            {
                if (c == '"')
                {
                    if (i < line.Length && line[i] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else
            {
                field.Append(c);
            }

            if (field.Length > MaxRowChars)
            {
                throw new FileFetchLimitException($"a row is longer than {MaxRowChars} characters");
            }
        }
    }
}
