using System.ComponentModel.DataAnnotations;

namespace UserAuth.Api.Hosting;

/// <summary>The browser side: which origins may call the API from a page (CORS), and the security headers of every answer.</summary>
internal sealed class CorsOptions
{
    public const string Section = "Cors";

    /// <summary>
    /// Origins (scheme://host[:port], nothing after) whose pages may call the API, e.g. an admin dashboard. None by
    /// default: no browser page on another origin gets an answer it can read.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>How long a browser may reuse a preflight's answer.</summary>
    [Range(0, 86_400)]
    public int PreflightMaxAgeSeconds { get; set; } = 600;

    /// <summary>An origin as browsers send it: http(s), a host, an optional port, no path, query, fragment or user.</summary>
    public static bool IsOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) &&
        uri.UserInfo.Length == 0 && !origin.Contains('*', StringComparison.Ordinal) &&
        string.Equals(origin.TrimEnd('/'), uri.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase) &&
        !origin.EndsWith('/');
}

internal sealed class SecurityHeadersOptions
{
    public const string Section = "SecurityHeaders";

    /// <summary>Strict-Transport-Security max-age on HTTPS answers outside Development; 0: no HSTS header.</summary>
    [Range(0, 63_072_000)]
    public int HstsMaxAgeSeconds { get; set; } = 31_536_000;
}

internal static class BrowserExtensions
{
    public const string CorsPolicy = "dashboards";

    /// <summary>
    /// The API's answers are JSON, never a page: nothing may run, load or frame them. Swagger UI is a page of this
    /// origin: its own scripts and styles (and the inline ones it writes), images from itself or data: URIs, calls to
    /// this origin only, never framed.
    /// </summary>
    public const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public const string SwaggerPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    public static WebApplicationBuilder AddUserAuthBrowsers(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<CorsOptions>()
            .BindConfiguration(CorsOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.AllowedOrigins.All(CorsOptions.IsOrigin),
                "Cors:AllowedOrigins must each be an origin: http(s)://host[:port] with nothing after it (no path, no '/', no '*').")
            .ValidateOnStart();
        builder.Services.AddOptions<SecurityHeadersOptions>()
            .BindConfiguration(SecurityHeadersOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var cors = builder.Configuration.GetSection(CorsOptions.Section).Get<CorsOptions>() ?? new CorsOptions();
        builder.Services.AddCors(options => options.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins([.. cors.AllowedOrigins.Where(CorsOptions.IsOrigin)])
            .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
            .WithHeaders("Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match", "X-Request-Id")
            .WithExposedHeaders("ETag", "Retry-After", "Location", "X-Request-Id")
            .SetPreflightMaxAge(TimeSpan.FromSeconds(cors.PreflightMaxAgeSeconds))));

        // No "Server: Kestrel" banner.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        return builder;
    }

    /// <summary>Security headers on every answer (errors included), then CORS (a preflight is answered here).</summary>
    public static WebApplication UseUserAuthBrowsers(this WebApplication app)
    {
        var hstsMaxAge = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SecurityHeadersOptions>>().Value.HstsMaxAgeSeconds;
        var hsts = !app.Environment.IsDevelopment() && hstsMaxAge > 0 ? $"max-age={hstsMaxAge}; includeSubDomains" : null;
        app.Use((context, next) =>
        {
            // At send time, so an answer the error handler rewrote (it clears headers) carries them too.
            context.Response.OnStarting(static state =>
            {
                var (http, hstsValue) = ((HttpContext, string?))state;
                var headers = http.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/swagger") ? SwaggerPolicy : ApiPolicy;
                if (hstsValue is not null && http.Request.IsHttps)
                {
                    headers.StrictTransportSecurity = hstsValue;
                }

                return Task.CompletedTask;
            }, (context, hsts));
            return next(context);
        });
        app.UseCors(CorsPolicy);
        return app;
    }
}
