using Microsoft.AspNetCore.Mvc;
using UserAuth.Api.Hosting;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Api.Features.Audit;

internal static class AuditFeature
{
    public static WebApplicationBuilder AddUserAuthAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuditOptions>()
            .BindConfiguration(AuditOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.AddStore<IAuditStore, SqliteAuditStore, MongoAuditStore>();
        builder.Services.AddSingleton<AuditService>();
        builder.Services.AddSingleton<TimelineEventWriter>();
        builder.Services.AddSingleton<AuditFilter>();
        builder.Services.Configure<MvcOptions>(options => options.Filters.AddService<AuditFilter>());
        builder.Services.AddSingleton<AuditSweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditSweeper>());
        // A page of the company's trail (getCompanyAuditTrail); an application's (getAuditTrail) has the same shape.
        ReferenceExamplesSchemaFilter.Add(nameof(AuditTrailSchema), """
            {"items": [
              {"id": "6747c1d2a1b2c3d4e5f60718", "at": "2026-11-27T18:05:06.123Z", "client_id": "ops-console", "method": "PUT",
               "operation": "updateApiClient", "request_id": "0HN8K3V1Q2R4S:00000003", "status": 200,
               "resource_ids": [{"name": "client_id", "id": "dashboard"}],
               "changes": [{"field": "scopes", "value": "[\"user:read\"]"}]},
              {"id": "6747c1a0a1b2c3d4e5f60717", "at": "2026-11-27T18:04:16.010Z", "client_id": "ops-console", "method": "POST",
               "operation": "rotateApiClientSecret", "request_id": "0HN8K3V1Q2R4S:00000002", "status": 200,
               "resource_ids": [{"name": "client_id", "id": "dashboard"}],
               "changes": [{"field": "grace_seconds", "value": "3600"}]}],
             "page": {"type": "number", "current": 1, "size": 10, "item_total": 2, "has_next": false}}
            """);
        return builder;
    }
}
