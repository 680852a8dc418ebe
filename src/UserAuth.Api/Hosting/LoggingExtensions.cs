using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace UserAuth.Api.Hosting;

internal static class LoggingExtensions
{
    /// <summary>
    /// Serilog for everything. Request logs carry request id, client id, company, route, status and duration, and
    /// never the query string or bodies: those hold emails, phones and attribute values.
    /// </summary>
    public static WebApplicationBuilder AddUserAuthLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LogOutputOptions>().BindConfiguration(LogOutputOptions.Section).ValidateOnStart();
        builder.Services.AddSerilog((services, configuration) =>
        {
            var json = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LogOutputOptions>>().Value.Json
                       ?? !builder.Environment.IsDevelopment();
            configuration
                .ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .MinimumLevel.Information()
                // Hosting's own request lines include the query string (personal data): keep them out.
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                .MinimumLevel.Override("MongoDB", LogEventLevel.Warning)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Service", "UserAuth");
            // The console is written by one background writer (Serilog.Sinks.Async): with the console sink's lock
            // taken on every request thread, request logging was the largest part of a lookup's time under load (the
            // threads queued on the lock). Nothing is dropped: a full buffer makes the request wait, as before, and the
            // buffer is flushed when the host stops.
            var output = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LogOutputOptions>>().Value;
            void Console(Serilog.Configuration.LoggerSinkConfiguration sink)
            {
                if (json)
                {
                    sink.Console(new RenderedCompactJsonFormatter());
                }
                else
                {
                    sink.Console(
                        formatProvider: System.Globalization.CultureInfo.InvariantCulture,
                        outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}");
                }
            }

            if (output.Async)
            {
                configuration.WriteTo.Async(Console, bufferSize: LogOutputOptions.AsyncBufferSize, blockWhenFull: true);
            }
            else
            {
                Console(configuration.WriteTo);
            }
        }, preserveStaticLogger: true); // each host keeps its own logger; the static Log.Logger is not taken over
        CacheLoggers(builder.Services);
        return builder;
    }

    /// <summary>
    /// Serilog's logger factory builds a new logger (with its own source-context enricher) on every
    /// <c>CreateLogger</c>, and ASP.NET Core creates the bearer-token handler per request, which asks for one each
    /// time (about 4% of a lookup's time in the profile): loggers are kept per category instead, as Microsoft's own
    /// factory does. Categories are type names, a fixed set.
    /// </summary>
    private static void CacheLoggers(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory));
        if (registered is null)
        {
            return;
        }

        services.Remove(registered);
        services.AddSingleton<ILoggerFactory>(provider => new CachingLoggerFactory(registered switch
        {
            { ImplementationInstance: ILoggerFactory instance } => instance,
            { ImplementationFactory: { } factory } => (ILoggerFactory)factory(provider),
            _ => (ILoggerFactory)ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!),
        }));
    }

    private sealed class CachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Microsoft.Extensions.Logging.ILogger> loggers =
            new(StringComparer.Ordinal);

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) =>
            loggers.GetOrAdd(categoryName, static (name, factory) => factory.CreateLogger(name), inner);

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        public void Dispose() => inner.Dispose();
    }

    public static WebApplication UseUserAuthRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            // This host's logger, not the static Log.Logger (which is another host's when several run in one process).
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.MessageTemplate =
                "HTTP {RequestMethod} {RouteTemplate} responded {StatusCode} in {Elapsed:0.0} ms";
            // Serilog adds the raw path as RequestPath by default; it is the route template here (or "(no route)").
            options.GetMessageTemplateProperties = (context, _, elapsed, status) =>
            [
                new LogEventProperty("RequestMethod", new ScalarValue(context.Request.Method)),
                new LogEventProperty("RequestPath", new ScalarValue(RouteTemplateOf(context))),
                new LogEventProperty("StatusCode", new ScalarValue(status)),
                new LogEventProperty("Elapsed", new ScalarValue(elapsed)),
            ];
            options.GetLevel = (context, _, exception) =>
                exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
                : context.Request.Path.StartsWithSegments("/health") ? LogEventLevel.Verbose
                : LogEventLevel.Information;
            options.EnrichDiagnosticContext = (diagnostics, context) =>
            {
                diagnostics.Set("RequestId", context.TraceIdentifier);
                diagnostics.Set("RouteTemplate", RouteTemplateOf(context));
                var user = context.User;
                if (user.Identity?.IsAuthenticated == true)
                {
                    diagnostics.Set("ClientId", user.FindFirst(Features.Auth.TokenClaims.ClientId)?.Value);
                    diagnostics.Set("CompanyId", user.FindFirst(Features.Auth.TokenClaims.CompanyId)?.Value);
                }

                // Ids from the path only when they are well-formed ids; anything else is logged as invalid, not as sent.
                foreach (var (key, value) in context.Request.RouteValues)
                {
                    if (key.EndsWith("_id", StringComparison.Ordinal) && key != "company_id" && value is string id)
                    {
                        diagnostics.Set(LogName(key), LooksLikeId(id) ? id : "(invalid)");
                    }
                }
            };
        });
        return app;
    }

    /// <summary>
    /// The route template, never the raw path: a caller can put anything (an email) where an id belongs. After an
    /// exception the handler clears the endpoint; its feature keeps the one that threw.
    /// </summary>
    private static string RouteTemplateOf(HttpContext context) =>
        ((context.GetEndpoint() ?? context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Endpoint)
            as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";

    /// <summary><c>application_id</c> → <c>ApplicationId</c>.</summary>
    private static string LogName(string routeKey) =>
        string.Concat(routeKey.Split('_').Select(part => part.Length == 0 ? "" : char.ToUpperInvariant(part[0]) + part[1..]));

    /// <summary>An ObjectId (24 hex digits) or a number: the only id forms the routes take.</summary>
    private static bool LooksLikeId(string value) =>
        Common.Ids.IsValid(value) || (value.Length is > 0 and <= 20 && value.All(char.IsAsciiDigit));
}
