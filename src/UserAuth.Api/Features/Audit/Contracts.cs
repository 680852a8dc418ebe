using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Audit;

/// <summary>getAuditTrail's query: a page, and optionally one user's records.</summary>
internal sealed record AuditTrailQuery : PagedQuery
{
    [FromQuery(Name = "user_id")]
    public string? UserId { get; init; }
}

/// <summary>getCompanyAuditTrail's query: a page.</summary>
internal sealed record CompanyAuditTrailQuery : PagedQuery;

/// <summary>A resource a write touched: which kind of id and the id.</summary>
internal sealed record AuditResourceSchema(string Name, string Id);

/// <summary>A field the write sent, with its value (<c>***</c> for personal, free-text and secret fields).</summary>
internal sealed record AuditChangeSchema(string Field, string Value);

/// <summary>One write through the admin API.</summary>
internal sealed record AuditRecordSchema(
    string Id,
    string At,
    string ClientId,
    string Method,
    string Operation,
    string RequestId,
    int Status,
    string? UserId,
    IReadOnlyList<AuditResourceSchema> ResourceIds,
    IReadOnlyList<AuditChangeSchema> Changes)
{
    public static AuditRecordSchema From(AuditEntry e) => new(
        e.Id, UtcDateTimeConverter.ToWire(e.At), e.ClientId, e.Method, e.Operation, e.RequestId, e.Status,
        e.UserId.Length == 0 ? null : e.UserId,
        e.Resources.Select(r => new AuditResourceSchema(r.Name, r.Id)).ToList(),
        e.Changes.Select(c => new AuditChangeSchema(c.Field, c.Value)).ToList());
}

/// <summary>getAuditTrail's and getCompanyAuditTrail's answer: records newest first, and the page.</summary>
internal sealed record AuditTrailSchema(IReadOnlyList<AuditRecordSchema> Items, PageInfo Page);
