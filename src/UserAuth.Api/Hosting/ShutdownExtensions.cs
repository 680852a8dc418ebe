using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace UserAuth.Api.Hosting;

internal sealed class ShutdownOptions
{
    public const string Section = "Shutdown";

    /// <summary>
    /// On SIGTERM (or Ctrl+C) the service stops taking connections and gives the requests in flight this long to finish;
    /// then background jobs stop claiming and give their leases back at their last checkpoint (another instance, or
    /// this one after its restart, resumes them). What is still running at the deadline is cut off.
    /// </summary>
    [Range(1, 3600)]
    public int DeadlineSeconds { get; set; } = 30;
}

internal static class ShutdownExtensions
{
    public static WebApplicationBuilder AddUserAuthShutdown(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ShutdownOptions>()
            .BindConfiguration(ShutdownOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // The host's stop deadline is Kestrel's drain time and the background services' stop time together.
        builder.Services.AddOptions<HostOptions>()
            .Configure<IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = TimeSpan.FromSeconds(shutdown.Value.DeadlineSeconds));
        return builder;
    }
}
