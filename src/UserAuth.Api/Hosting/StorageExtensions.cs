using Microsoft.Extensions.Diagnostics.HealthChecks;
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
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Provider != StorageProvider.MongoDb || !string.IsNullOrWhiteSpace(o.MongoDb.ConnectionString),
                "Storage:MongoDb:ConnectionString is required when Storage:Provider is MongoDb.")
            .Validate(o => o.Provider != StorageProvider.MongoDb || !string.IsNullOrWhiteSpace(o.MongoDb.Database),
                "Storage:MongoDb:Database is required when Storage:Provider is MongoDb.")
            .ValidateOnStart();

        var health = builder.Services.AddHealthChecks();
        if (ProviderOf(builder) == StorageProvider.MongoDb)
        {
            builder.Services.AddSingleton<MongoDatabaseProvider>();
            health.AddCheck<MongoHealthCheck>("mongodb", tags: ["ready"]);
        }
        else
        {
            builder.Services.AddSingleton<SqliteDatabase>();
            health.AddCheck<SqliteHealthCheck>("sqlite", tags: ["ready"]);
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

    private static StorageProvider ProviderOf(WebApplicationBuilder builder)
    {
        var raw = builder.Configuration[$"{StorageOptions.Section}:Provider"];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return StorageProvider.Sqlite;
        }

        return Enum.TryParse<StorageProvider>(raw, ignoreCase: true, out var provider) && Enum.IsDefined(provider)
            ? provider
            : throw new StoreUnavailableException(
                $"Storage:Provider '{raw}' is not known; use 'Sqlite' (default) or 'MongoDb'.");
    }

    public static WebApplication MapUserAuthHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            Predicate = _ => false,
        }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new Microsoft.AspNetCore.Diagnostics.HealthChecks.HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
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

internal sealed class SqliteHealthCheck(SqliteDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await SqliteDatabase.ExecuteAsync(connection, "SELECT 1;", cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("SQLite is not reachable", e);
        }
    }
}

internal sealed class MongoHealthCheck(MongoDatabaseProvider mongo) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await mongo.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("MongoDB is not reachable", e);
        }
    }
}
