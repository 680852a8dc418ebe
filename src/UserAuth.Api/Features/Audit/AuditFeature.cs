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
        return builder;
    }
}
