using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.BulkJobs;

/// <summary>Files, uploads and job polling for the bulk job tests.</summary>
public static class Bulk
{
    public const string Header = "username,first_name,last_name,gender,email,phone_number,external_id";

    /// <summary>A valid row of a unique user.</summary>
    public static string Row(string? username = null, string? email = null, string? phone = null, string first = "Ada", string last = "Lovelace") =>
        $"{username ?? Build.Username()},{first},{last},female,{email ?? $"{Guid.NewGuid():N}@example.com"},{phone ?? Build.Phone()},ext-{Guid.NewGuid().ToString("N")[..6]}";

    public static byte[] Csv(params string[] lines) => Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n");

    public static byte[] Xlsx(IEnumerable<Dictionary<string, object?>> rows)
    {
        using var stream = new MemoryStream();
        MiniExcelLibs.MiniExcel.SaveAs(stream, rows, printHeader: true, excelType: MiniExcelLibs.ExcelType.XLSX);
        return stream.ToArray();
    }

    public static async Task<JsonElement> UploadAsync(HttpClient http, string app, byte[] file, string fileName = "users.csv",
        string? format = null, bool? dryRun = null, HttpStatusCode status = HttpStatusCode.OK, string company = "1001")
    {
        using var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(fileName.EndsWith(".xlsx", StringComparison.Ordinal)
            ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            : "text/csv");
        form.Add(content, "file", fileName);
        if (format is not null)
        {
            form.Add(new StringContent(format), "file_format");
        }

        if (dryRun is not null)
        {
            form.Add(new StringContent(dryRun.Value ? "true" : "false"), "dry_run");
        }

        return await (await http.PostAsync($"{Http.App(app, company)}/users/jobs/import/upload", form)).ExpectAsync(status);
    }

    /// <summary>Polls the job until it is finished; returns it.</summary>
    public static async Task<JsonElement> WaitAsync(HttpClient http, string app, string jobId, int seconds = 60, string company = "1001")
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var job = await http.GetJsonAsync($"{Http.App(app, company)}/users/jobs/{jobId}");
            var status = job.GetProperty("status").GetString();
            if (status is "completed" or "partially_completed" or "failed")
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < until, $"job {jobId} still {status} after {seconds} s");
            await Task.Delay(50);
        }
    }

    public static async Task<byte[]> DownloadAsync(HttpClient http, string relativeUrl, HttpStatusCode status = HttpStatusCode.OK)
    {
        using var response = await http.GetAsync(relativeUrl);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
        return bytes;
    }

    public static string Link(JsonElement job, string which) =>
        job.GetProperty("links").GetProperty(which).GetProperty("relative_url").GetString()!;

    public static (long Total, long Success, long Error) Count(JsonElement job)
    {
        var count = job.GetProperty("count");
        return (count.GetProperty("total").GetInt64(), count.GetProperty("success").GetInt64(), count.GetProperty("error").GetInt64());
    }

    /// <summary>The records of a CSV file (simple RFC 4180 parsing: quoted fields, doubled quotes).</summary>
    public static List<string[]> ParseCsv(byte[] bytes)
    {
        using var reader = Sylvan.Data.Csv.CsvDataReader.Create(new StringReader(Encoding.UTF8.GetString(bytes)),
            new Sylvan.Data.Csv.CsvDataReaderOptions { HasHeaders = false });
        var rows = new List<string[]>();
        while (reader.Read())
        {
            rows.Add(Enumerable.Range(0, reader.RowFieldCount).Select(reader.GetString).ToArray());
        }

        return rows;
    }

    public static List<string[]> ParseXlsx(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return MiniExcelLibs.MiniExcel.Query(stream, useHeaderRow: false, excelType: MiniExcelLibs.ExcelType.XLSX)
            .Cast<IDictionary<string, object?>>()
            .Select(r => r.Values.Select(v => v?.ToString() ?? "").ToArray())
            .ToList();
    }
}
