using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Common.Jobs;

/// <summary>
/// Serves the error reports of background jobs (user groups here, imports later) to authorised callers of the same
/// company and application only: the report's rows are stored under their tenant and read under the caller's.
/// </summary>
[Tags("Job reports")]
internal sealed class ErrorReportsController(IErrorReportStore reports) : PlatformController
{
    /// <summary>Where a report is served, relative to the service root (or under <see cref="JobOptions.PublicBaseUrl"/>).</summary>
    public static string PathOf(Tenant tenant, string reportId) =>
        $"/service/platform/user/v1.0/company/{tenant.CompanyId}/application/{tenant.ApplicationId}/job_reports/{reportId}";

    /// <summary>
    /// An error report as CSV: <c>row_number,row,reason</c>, one line per bad row (row 1 = the first row after the
    /// header; for JSON input, the entry's position). 404 when this application has no such report.
    /// </summary>
    [HttpGet("job_reports/{report_id}")]
    [EndpointName("getJobErrorReport")]
    [Authorize(Policy = Scopes.Read)]
    [Produces("text/csv", "application/json")]
    [ProducesResponseType(typeof(string), StatusCodes.Status200OK, "text/csv")]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status404NotFound)]
    public async Task GetReport([FromRoute(Name = "report_id")] string reportId, CancellationToken cancellationToken)
    {
        var id = reportId.ToLowerInvariant();
        var first = await reports.ReadAsync(Tenant, id, 0, 1000, cancellationToken);
        if (first.Count == 0)
        {
            throw new NotFoundException("No such error report in this application.", "report_not_found");
        }

        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"errors-{id}.csv\"";
        await using var writer = new StreamWriter(Response.Body, new UTF8Encoding(false), 16 * 1024);
        await writer.WriteAsync("row_number,row,reason\n");
        var batch = first;
        while (batch.Count > 0)
        {
            foreach (var row in batch)
            {
                await writer.WriteAsync($"{row.RowNumber},{Quote(row.Row)},{Quote(row.Reason)}\n");
            }

            await writer.FlushAsync(cancellationToken);
            batch = await reports.ReadAsync(Tenant, id, batch[^1].RowNumber, 1000, cancellationToken);
        }
    }

    /// <summary>A CSV field: quoted, inner quotes doubled; a leading = + - @ is prefixed with ' (no formula injection).</summary>
    public static string Quote(string value)
    {
        if (value.Length > 0 && "=+-@\t\r".Contains(value[0], StringComparison.Ordinal))
        {
            value = "'" + value;
        }

        return "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
