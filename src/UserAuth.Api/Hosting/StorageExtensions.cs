using Microsoft.Extensions.Options;
using UserAuth.Api.Common;
using UserAuth.Api.Storage;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Api.Hosting;

internal static class StorageExtensions
{
    public static WebApplicationBuilder AddUserAuthStorage(this WebApplicationBuilder builder)
    {
        var options = builder.Services.AddOptions<StorageOptions>();
        Bind(options);
        options.ValidateOnStart();
        // The provider decides which adapters are registered: read at registration, through the same validated options.
        var storage = StorageOf(builder);

        builder.Services.AddSingleton<HealthRecord>();
        builder.Services.AddHealthChecks().AddCheck<StoreHealthCheck>(StoreHealthCheck.Name, tags: ["ready"],
            timeout: TimeSpan.FromSeconds(storage.HealthCheckTimeoutSeconds));
        if (storage.Provider == StorageProvider.MongoDb)
        {
            builder.Services.AddSingleton<MongoDatabaseProvider>();
            builder.Services.AddSingleton<IStoreProbe, MongoStoreProbe>();
        }
        else
        {
            builder.Services.AddSingleton<SqliteDatabase>();
            builder.Services.AddSingleton<SqliteStoreProbe>();
            builder.Services.AddSingleton<IStoreProbe>(sp => sp.GetRequiredService<SqliteStoreProbe>());
            builder.Services.AddSingleton<IStoreInitializer>(sp => sp.GetRequiredService<SqliteStoreProbe>());
        }

        // Runs before the server starts listening: tables and indexes exist before the first request.
        builder.Services.AddHostedService<StoreInitializerService>();
        return builder;
    }

    /// <summary>Registers a feature's storage port with the adapter of the configured provider (timed: <see cref="StoreMetricsProxy{TPort}"/>).</summary>
    public static WebApplicationBuilder AddStore<TPort, TSqlite, TMongo>(this WebApplicationBuilder builder)
        where TPort : class
        where TSqlite : class, TPort, IStoreInitializer
        where TMongo : class, TPort, IStoreInitializer
    {
        if (ProviderOf(builder) == StorageProvider.MongoDb)
        {
            builder.Services.AddSingleton<TMongo>();
            builder.Services.AddSingleton<TPort>(sp =>
                StoreMetricsProxy<TPort>.Create(sp.GetRequiredService<TMongo>(), sp.GetRequiredService<ServiceMetrics>(), "mongodb"));
            builder.Services.AddSingleton<IStoreInitializer>(sp => sp.GetRequiredService<TMongo>());
        }
        else
        {
            builder.Services.AddSingleton<TSqlite>();
            builder.Services.AddSingleton<TPort>(sp =>
                StoreMetricsProxy<TPort>.Create(sp.GetRequiredService<TSqlite>(), sp.GetRequiredService<ServiceMetrics>(), "sqlite"));
            builder.Services.AddSingleton<IStoreInitializer>(sp => sp.GetRequiredService<TSqlite>());
        }

        return builder;
    }

    private const string UnknownProvider = "Storage:Provider is 'Sqlite' (default) or 'MongoDb'.";

    private static void Bind(OptionsBuilder<StorageOptions> options) => options
        .BindConfiguration(StorageOptions.Section)
        .ValidateDataAnnotations()
        .Validate(s => Enum.IsDefined(s.Provider), UnknownProvider)
        .Validate(s => s.Provider != StorageProvider.MongoDb || !string.IsNullOrWhiteSpace(s.MongoDb.ConnectionString),
            "Storage:MongoDb:ConnectionString is required when Storage:Provider is MongoDb.")
        .Validate(s => s.Provider != StorageProvider.MongoDb || !string.IsNullOrWhiteSpace(s.MongoDb.Database),
            "Storage:MongoDb:Database is required when Storage:Provider is MongoDb.");

    /// <summary>The validated storage settings, for the registrations that depend on them.</summary>
    private static StorageOptions StorageOf(WebApplicationBuilder builder)
    {
        try
        {
            return builder.ValidatedOptions<StorageOptions>(Bind);
        }
        catch (InvalidOperationException e)
        {
            // The binder's own message names the setting and the value ("... 'Oracle' at 'Storage:Provider' ...").
            throw new StoreUnavailableException($"{e.Message} {UnknownProvider}", e);
        }
    }

    private static StorageProvider ProviderOf(WebApplicationBuilder builder) => StorageOf(builder).Provider;

    public static WebApplication MapUserAuthHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            Predicate = _ => false,
        }).AllowAnonymous();
        // Each dependency by name with its status and the time of its last successful check; 503 while one fails.
        var record = app.Services.GetRequiredService<HealthRecord>();
        app.MapHealthChecks("/health/ready", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResponseWriter = (context, report) => HealthResponse.WriteAsync(context, report, record),
        }).AllowAnonymous();
        return app;
    }
}

internal sealed class StoreInitializerService(
    IServiceProvider services,
    IOptions<StorageOptions> options,
    ILogger<StoreInitializerService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var provider = options.Value.Provider;
        try
        {
            if (provider == StorageProvider.MongoDb)
            {
                await services.GetRequiredService<MongoDatabaseProvider>().PingAsync(cancellationToken);
            }
            else
            {
                await services.GetRequiredService<SqliteDatabase>().EnsureCreatedAsync(cancellationToken);
            }

            foreach (var initializer in services.GetServices<IStoreInitializer>())
            {
                await initializer.InitializeAsync(cancellationToken);
            }
        }
        catch (StoreUnavailableException)
        {
            throw;
        }
        catch (Exception e) when (e is MongoDB.Driver.MongoException or TimeoutException or OperationCanceledException
                                      or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new StoreUnavailableException($"The {provider} store is unreachable or unusable: {e.Message}", e);
        }

        logger.LogInformation("Storage ready: {Provider}", provider);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
