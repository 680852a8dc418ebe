using System.Globalization;
using System.Text;
using MiniExcelLibs;
using Sylvan.Data.Csv;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>The one column set of import and export files, so an export imports back unchanged.</summary>
internal static class UserColumns
{
    public const string Username = "username";
    public const string FirstName = "first_name";
    public const string LastName = "last_name";
    public const string Gender = "gender";
    public const string Email = "email";
    public const string PhoneNumber = "phone_number";
    public const string ExternalId = "external_id";

    /// <summary>Prefix of the columns of attribute values: <c>attribute.&lt;slug&gt;</c>.</summary>
    public const string AttributePrefix = "attribute.";

    public static readonly IReadOnlyList<string> Base = [Username, FirstName, LastName, Gender, Email, PhoneNumber, ExternalId];

    public static readonly IReadOnlyList<string> Required = [Username, PhoneNumber];
}

/// <summary>A file that cannot be read as the job's format; the job fails with <see cref="Exception.Message"/>.</summary>
internal sealed class UnreadableFileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads a file row by row, never holding more than one row: the header, then the data rows.</summary>
internal interface IRowReader : IDisposable
{
    /// <summary>The header row's cells, trimmed; empty for an empty file.</summary>
    IReadOnlyList<string> Header { get; }

    /// <summary>The next data row (null cells where the row is short), or null at the end of the file.</summary>
    string?[]? Read();
}

internal static class RowReaders
{
    public static IRowReader Open(string path, string fileFormat) => fileFormat == JobFileFormat.Xlsx
        ? new XlsxRowReader(path)
        : new CsvRowReader(path);
}

/// <summary>CSV as RFC 4180 in UTF-8 (a byte order mark is accepted), first record is the header (Sylvan.Data.Csv).</summary>
internal sealed class CsvRowReader : IRowReader
{
    private readonly StreamReader text;
    private readonly CsvDataReader csv;

    public CsvRowReader(string path)
    {
        text = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true,
            new FileStreamOptions { BufferSize = 1 << 16 });
        try
        {
            csv = CsvDataReader.Create(text, new CsvDataReaderOptions
            {
                HasHeaders = false,
                Delimiter = ',',
                Quote = '"',
                Escape = '"',
                CsvStyle = CsvStyle.Standard,
                MaxBufferSize = 1 << 20,
            });
        }
        catch (Exception e) when (e is CsvFormatException or CsvRecordTooLargeException or DecoderFallbackException)
        {
            text.Dispose();
            throw new UnreadableFileException("the file is not valid UTF-8 CSV near its first record", e);
        }

        Header = Next()?.Select(h => (h ?? "").Trim()).ToList() ?? [];
    }

    public IReadOnlyList<string> Header { get; }

    public string?[]? Read() => Next();

    private string?[]? Next()
    {
        try
        {
            if (!csv.Read())
            {
                return null;
            }

            var cells = new string?[csv.RowFieldCount];
            for (var i = 0; i < cells.Length; i++)
            {
                var value = csv.GetString(i);
                cells[i] = value.Length == 0 ? null : value;
            }

            return cells;
        }
        catch (Exception e) when (e is CsvFormatException or CsvRecordTooLargeException or DecoderFallbackException)
        {
            throw new UnreadableFileException(
                $"the file is not valid UTF-8 CSV near record {csv.RowNumber.ToString(CultureInfo.InvariantCulture)}", e);
        }
    }

    public void Dispose()
    {
        csv.Dispose();
        text.Dispose();
    }
}

/// <summary>The first sheet of an XLSX workbook, streamed; the first row is the header.</summary>
internal sealed class XlsxRowReader : IRowReader
{
    private readonly FileStream stream;
    private readonly IEnumerator<IDictionary<string, object?>> rows;
    private readonly string[] columns;

    public XlsxRowReader(string path)
    {
        stream = File.OpenRead(path);
        try
        {
            rows = MiniExcel.Query(stream, useHeaderRow: false, excelType: ExcelType.XLSX)
                .Cast<IDictionary<string, object?>>().GetEnumerator();
            var header = Next();
            Header = header?.Values.Select(v => Text(v)?.Trim() ?? "").ToList() ?? [];
            columns = header?.Keys.ToArray() ?? [];
        }
        catch (Exception e) when (e is not UnreadableFileException)
        {
            stream.Dispose();
            throw new UnreadableFileException("the file is not a readable XLSX workbook", e);
        }
    }

    public IReadOnlyList<string> Header { get; }

    public string?[]? Read()
    {
        var row = Next();
        if (row is null)
        {
            return null;
        }

        var cells = new string?[Math.Max(columns.Length, row.Count)];
        for (var i = 0; i < columns.Length; i++)
        {
            cells[i] = row.TryGetValue(columns[i], out var value) ? Text(value) : null;
        }

        // Cells right of the header are kept, so a row with more cells than the header is noticed.
        var extra = columns.Length;
        foreach (var (key, value) in row)
        {
            if (Array.IndexOf(columns, key) < 0 && extra < cells.Length)
            {
                cells[extra++] = Text(value);
            }
        }

        return cells;
    }

    private IDictionary<string, object?>? Next()
    {
        try
        {
            while (rows.MoveNext())
            {
                var row = rows.Current;
                if (row.Values.Any(v => Text(v) is not null))
                {
                    return row;
                }
            }

            return null;
        }
        catch (Exception e) when (e is not UnreadableFileException and not OperationCanceledException)
        {
            throw new UnreadableFileException("the file is not a readable XLSX workbook", e);
        }
    }

    /// <summary>A cell as text: numbers without exponent or grouping (phone numbers are often typed as numbers).</summary>
    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s.Length == 0 ? null : s,
        double d when d == Math.Floor(d) && Math.Abs(d) < 1e17 => d.ToString("0", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    public void Dispose()
    {
        rows?.Dispose();
        stream.Dispose();
    }
}

/// <summary>
/// Appends CSV records (RFC 4180: comma, CRLF, fields quoted when they hold a comma, quote or line break; UTF-8 without
/// BOM) to a file opened at a checkpoint; <see cref="CommitAsync"/> flushes to the operating system and returns the
/// length to checkpoint.
/// </summary>
internal sealed class CsvAppender : IAsyncDisposable
{
    private static readonly System.Buffers.SearchValues<char> NeedsQuotes = System.Buffers.SearchValues.Create(",\"\r\n");
    private readonly FileStream stream;
    private readonly StreamWriter text;

    public CsvAppender(FileStream stream)
    {
        this.stream = stream;
        text = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
    }

    public void Write(IEnumerable<string?> cells)
    {
        var first = true;
        foreach (var cell in cells)
        {
            if (!first)
            {
                text.Write(',');
            }

            first = false;
            var value = cell ?? "";
            if (value.AsSpan().IndexOfAny(NeedsQuotes) < 0 && (value.Length == 0 || (value[0] != ' ' && value[^1] != ' ')))
            {
                text.Write(value);
            }
            else
            {
                text.Write('"');
                text.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
                text.Write('"');
            }
        }

        text.Write("\r\n");
    }

    public async Task<long> CommitAsync()
    {
        await text.FlushAsync();
        await stream.FlushAsync();
        return stream.Position;
    }

    public async ValueTask DisposeAsync()
    {
        await text.DisposeAsync();
        await stream.DisposeAsync();
    }
}

internal static class XlsxWriter
{
    /// <summary>Writes a CSV file (header row first) as the first sheet of an XLSX workbook, one row at a time.</summary>
    public static void FromCsv(string csvPath, Stream output)
    {
        using var reader = new CsvRowReader(csvPath);
        var header = reader.Header.ToArray();
        MiniExcel.SaveAs(output, Rows(reader, header), printHeader: true, sheetName: "users", excelType: ExcelType.XLSX);
    }

    private static IEnumerable<IDictionary<string, object?>> Rows(CsvRowReader reader, string[] header)
    {
        var any = false;
        while (reader.Read() is { } cells)
        {
            any = true;
            var row = new Dictionary<string, object?>(header.Length);
            for (var i = 0; i < header.Length; i++)
            {
                row[header[i]] = i < cells.Length ? cells[i] ?? "" : "";
            }

            yield return row;
        }

        if (!any)
        {
            // MiniExcel takes the header from the first row: an empty export still gets its header row.
            yield return header.ToDictionary(h => h, _ => (object?)null);
        }
    }
}
