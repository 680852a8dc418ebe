using UserAuth.Api.Features.Lifecycle;

namespace UserAuth.Api.Hosting;

internal static class LifecycleExtensions
{
    public static WebApplicationBuilder AddUserAuthLifecycle(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ErasureOptions>().BindConfiguration(ErasureOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<LifecycleService>();
        builder.Services.AddSingleton<ErasureService>();
        if (builder.Configuration.GetValue("Lifecycle:ErasureJobEnabled", true))
        {
            builder.Services.AddHostedService<ErasureJob>();
        }

        return builder;
    }
}
