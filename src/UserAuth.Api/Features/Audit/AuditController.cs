using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Features.Audit;

[Tags("Audit")]
internal sealed class AuditController(AuditService audit) : PlatformController
{
    /// <summary>
    /// getAuditTrail (not in the reference): the application's writes through this API, newest first, or one user's
    /// with <c>user_id</c>. Each record says who (<c>client_id</c>), what (<c>method</c>, <c>operation</c>,
    /// <c>resource_ids</c>), when (<c>at</c>), from where (<c>request_id</c>, as in the service's logs) and which fields
    /// the write changed (<c>changes</c>: an update or a lifecycle action names the fields whose value it changed, for
    /// each user; a create every field sent; values of personal, free-text and secret fields are <c>***</c>). A write
    /// on several users that stopped part-way keeps the records of the users it changed, with its error status. Kept
    /// for <c>Audit:RetentionDays</c> (default 365).
    /// </summary>
    [HttpGet("audit")]
    [EndpointName("getAuditTrail")]
    [Authorize(Policy = Scopes.Read)]
    [ProducesResponseType(typeof(AuditTrailSchema), StatusCodes.Status200OK)]
    public async Task<AuditTrailSchema> GetAuditTrail([FromQuery] AuditTrailQuery query, CancellationToken cancellationToken)
    {
        var page = query.Page();
        var found = await audit.ListAsync(Tenant, query.UserId, page, cancellationToken);
        return new AuditTrailSchema(found.Items.Select(AuditRecordSchema.From).ToList(), PageInfo.For(page, found.Total));
    }

    /// <summary>
    /// getCompanyAuditTrail (not in the reference): the company-wide writes through this API, newest first: the
    /// management of the company's API clients (createApiClient, updateApiClient, rotateApiClientSecret,
    /// disableApiClient, enableApiClient), each with who, what (<c>resource_ids</c>: the <c>client_id</c>), when, from
    /// where and which fields changed (secrets are never kept). Records as getAuditTrail's, without <c>user_id</c>. For
    /// the company's operators: scope client:admin, with a token not limited to some applications. Kept for
    /// <c>Audit:RetentionDays</c> (default 365).
    /// </summary>
    [HttpGet("~/" + Routes.Company + "/audit")]
    [EndpointName("getCompanyAuditTrail")]
    [Authorize(Policy = Scopes.ClientAdmin)]
    [ProducesResponseType(typeof(AuditTrailSchema), StatusCodes.Status200OK)]
    public async Task<AuditTrailSchema> GetCompanyAuditTrail([FromQuery] CompanyAuditTrailQuery query, CancellationToken cancellationToken)
    {
        var page = query.Page();
        var found = await audit.ListCompanyAsync((string)RouteData.Values["company_id"]!,
            User.FindAll(TokenClaims.ApplicationId).Select(c => c.Value).ToList(), page, cancellationToken);
        return new AuditTrailSchema(found.Items.Select(AuditRecordSchema.From).ToList(), PageInfo.For(page, found.Total));
    }
}
