using Microsoft.Extensions.DependencyInjection.Extensions;

namespace UserAuth.Api.Common.FileFetch;

internal static class FileFetchExtensions
{
    /// <summary>
    /// Registers the fetch policy (<see cref="FileFetcher"/>, options section <c>FileFetch</c>). Every feature that
    /// downloads files calls it; registering twice is harmless.
    /// </summary>
    public static WebApplicationBuilder AddUserAuthFileFetch(this WebApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(FileFetcher)))
        {
            return builder;
        }

        builder.Services.AddOptions<FileFetchOptions>()
            .BindConfiguration(FileFetchOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<IHostResolver, DnsHostResolver>();
        builder.Services.AddSingleton<FileFetcher>();
        return builder;
    }
}
