namespace UserAuth.Api.Features.Lifecycle;

internal static class LifecycleFeature
{
    public static WebApplicationBuilder AddUserAuthLifecycle(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ErasureOptions>().BindConfiguration(ErasureOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<LifecycleService>();
        builder.Services.AddSingleton<ErasureService>();
        builder.Services.AddHostedService<ErasureJob>();

        return builder;
    }
}
