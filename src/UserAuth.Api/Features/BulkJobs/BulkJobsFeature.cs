using UserAuth.Api.Common.FileFetch;
using UserAuth.Api.Common.Jobs;
using UserAuth.Api.Hosting;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Api.Features.BulkJobs;

internal static class BulkJobsFeature
{
    /// <summary>Bulk import and export of customers as background jobs (issue 8).</summary>
    public static WebApplicationBuilder AddUserAuthBulkJobs(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<BulkJobOptions>().BindConfiguration(BulkJobOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.AddStore<IBulkJobStore, SqliteBulkJobStore, MongoBulkJobStore>();
        builder.AddUserAuthFileFetch();
        builder.AddUserAuthJobs();
        builder.Services.AddSingleton<BulkFiles>();
        builder.Services.AddSingleton<ImportSources>();
        builder.Services.AddSingleton<ImportProcessor>();
        builder.Services.AddSingleton<ExportProcessor>();
        builder.Services.AddSingleton<BulkJobService>();
        builder.Services.AddScoped<UploadLimitFilter>();
        builder.Services.AddSingleton<IJobHandler, BulkJobHandler>();
        builder.Services.AddSingleton<BulkFileSweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BulkFileSweeper>());
        BulkJobExamples.Register();
        return builder;
    }
}
