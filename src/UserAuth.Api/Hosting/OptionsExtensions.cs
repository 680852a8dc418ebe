using Microsoft.Extensions.Options;

namespace UserAuth.Api.Hosting;

/// <summary>
/// Every setting is read through options: bound to its section, validated, checked at start. A few settings decide
/// what is registered (which store adapters, which exporters); those are read here too, through the same binding and
/// validation, so a bad value fails start-up with the options' own message instead of being read raw.
/// </summary>
internal static class OptionsExtensions
{
    /// <summary>
    /// Registers <typeparamref name="T"/> (<paramref name="configure"/> binds and validates it; ValidateOnStart) and
    /// returns its validated value now (<see cref="ValidatedOptions{T}"/>), for the registrations that depend on it.
    /// </summary>
    public static T AddValidatedOptions<T>(this WebApplicationBuilder builder, Action<OptionsBuilder<T>> configure)
        where T : class
    {
        var options = builder.Services.AddOptions<T>();
        configure(options);
        options.ValidateOnStart();
        return builder.ValidatedOptions(configure);
    }

    /// <summary>
    /// The value of <typeparamref name="T"/> as <paramref name="configure"/> binds and validates it, read once per
    /// builder (throws the options' own validation failure).
    /// </summary>
    public static T ValidatedOptions<T>(this WebApplicationBuilder builder, Action<OptionsBuilder<T>> configure)
        where T : class
    {
        if (builder.Host.Properties.TryGetValue(typeof(T), out var read))
        {
            return (T)read;
        }

        var now = new ServiceCollection()
            .AddSingleton<IConfiguration>(builder.Configuration)
            .AddSingleton<IHostEnvironment>(builder.Environment);
        configure(now.AddOptions<T>());
        using var provider = now.BuildServiceProvider();
        var value = provider.GetRequiredService<IOptions<T>>().Value;
        builder.Host.Properties[typeof(T)] = value;
        return value;
    }
}
