using UserAuth.Api.Hosting;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Api.Common.Jobs;

internal static class JobsExtensions
{
    /// <summary>
    /// Registers the shared background-work model: the queue (<see cref="IJobQueueStore"/>), error reports
    /// (<see cref="IErrorReportStore"/>, served by <see cref="ErrorReportsController"/>), <see cref="JobScheduler"/> and
    /// the <see cref="JobWorker"/>. Features add their <see cref="IJobHandler"/>. Registering twice is harmless.
    /// </summary>
    public static WebApplicationBuilder AddUserAuthJobs(this WebApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(JobScheduler)))
        {
            return builder;
        }

        builder.Services.AddOptions<JobOptions>()
            .BindConfiguration(JobOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.PublicBaseUrl is null || Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out _),
                "Jobs:PublicBaseUrl must be an absolute URL.")
            .ValidateOnStart();
        builder.Services.AddSingleton<JobSignal>();
        builder.Services.AddSingleton<JobScheduler>();
        builder.AddStore<IJobQueueStore, SqliteJobQueueStore, MongoJobQueueStore>();
        builder.AddStore<IErrorReportStore, SqliteErrorReportStore, MongoErrorReportStore>();
        builder.Services.AddSingleton<JobWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<JobWorker>());
        return builder;
    }
}
