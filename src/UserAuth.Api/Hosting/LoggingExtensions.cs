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
            if (json)
            {
                configuration.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
            else
            {
                configuration.WriteTo.Console(
                    formatProvider: System.Globalization.CultureInfo.InvariantCulture,
                    outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}");
            }
        }, preserveStaticLogger: true); // each host keeps its own logger; the static Log.Logger is not taken over
        return builder;
    }

    public static WebApplication UseUserAuthRequestLogging(this WebApplication app)
    {
        app.UseSerilogRequestLogging(options =>
        {
            // This host's logger, not the static Log.Logger (which is another host's when several run in one process).
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.MessageTemplate =
                "HTTP {RequestMethod} {RouteTemplate} responded {StatusCode} in {Elapsed:0.0} ms";
            options.GetLevel = (context, _, exception) =>
                exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
                : context.Request.Path.StartsWithSegments("/health") ? LogEventLevel.Verbose
                : LogEventLevel.Information;
            options.EnrichDiagnosticContext = (diagnostics, context) =>
            {
                diagnostics.Set("RequestId", context.TraceIdentifier);
                // The route template, not the path: paths carry ids, never personal data, but templates group better.
                // After an exception the handler clears the endpoint; its feature keeps the one that threw.
                var endpoint = (context.GetEndpoint()
                                ?? context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Endpoint)
                    as RouteEndpoint;
                diagnostics.Set("RouteTemplate", endpoint?.RoutePattern.RawText ?? context.Request.Path.Value ?? "");
                diagnostics.Set("RequestPath", context.Request.Path.Value ?? "");
                var user = context.User;
                if (user.Identity?.IsAuthenticated == true)
                {
                    diagnostics.Set("ClientId", user.FindFirst(Features.Auth.TokenClaims.ClientId)?.Value);
                    diagnostics.Set("CompanyId", user.FindFirst(Features.Auth.TokenClaims.CompanyId)?.Value);
                }

                if (context.Request.RouteValues.TryGetValue("application_id", out var application))
                {
                    diagnostics.Set("ApplicationId", application);
                }
            };
        });
        return app;
    }
}
