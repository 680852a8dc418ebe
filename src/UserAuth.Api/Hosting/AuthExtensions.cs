using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;
using UserAuth.Api.Features.Auth;

namespace UserAuth.Api.Hosting;

/// <summary>Authentication (bearer tokens of this service) and authorization (company and scope) of every route.</summary>
internal static class AuthExtensions
{
    private const string ClientRefusal = "userauth.client_refusal";

    public static WebApplicationBuilder AddUserAuthSecurity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.SigningKeyBytes.Length >= 32,
                "Auth:SigningKey must be set to at least 32 bytes (set Auth__SigningKey); every instance must share it.")
            .Validate(o => o.PreviousSigningKeys.All(k => System.Text.Encoding.UTF8.GetByteCount(k) >= 32),
                "Auth:PreviousSigningKeys must each be at least 32 bytes.")
            .ValidateOnStart();

        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<IAuthorizationHandler, PlatformAccessHandler>();

        builder.Services.AddSingleton<ValidatedTokenCache>();
        builder.Services.AddSingleton<ClientGate>();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<Microsoft.Extensions.Options.IOptions<AuthOptions>, ValidatedTokenCache>((jwt, auth, tokens) =>
            {
                var settings = auth.Value;
                jwt.MapInboundClaims = false;
                // Validates like the default handler; a token already validated is not re-checked until it expires.
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(tokens);
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = settings.Issuer,
                    ValidAudience = settings.Audience,
                    // The current key and any older ones still accepted during a rotation.
                    IssuerSigningKeys = settings.PreviousSigningKeys
                        .Select(k => new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(k)))
                        .Prepend(new SymmetricSecurityKey(settings.SigningKeyBytes))
                        .ToList(),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = TokenClaims.ClientId,
                };
                jwt.Events = new JwtBearerEvents
                {
                    // Every request, cached token or not: the token's client must still stand behind it.
                    OnTokenValidated = async context =>
                    {
                        var gate = context.HttpContext.RequestServices.GetRequiredService<ClientGate>();
                        var principal = context.Principal!;
                        var clientId = principal.FindFirst(TokenClaims.ClientId)?.Value;
                        var client = clientId is null ? null : await gate.GetAsync(clientId, context.HttpContext.RequestAborted);
                        if (gate.Refusal(principal, client) is { } refusal)
                        {
                            context.HttpContext.Items[ClientRefusal] = refusal;
                            context.Fail(refusal);
                            return;
                        }

                        context.HttpContext.Items[ClientGate.ClientItem] = client;
                    },
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        context.Response.Headers.WWWAuthenticate = "Bearer";
                        var message = context.AuthenticateFailure is null
                            ? "A bearer token is required."
                            : context.HttpContext.Items[ClientRefusal] as string ?? "The bearer token is invalid or expired.";
                        await ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "unauthorized", message);
                    },
                    OnForbidden = async context =>
                    {
                        var reason = context.HttpContext.Items[PlatformAccessHandler.DenialReason] as string
                                     ?? "This token does not allow this operation.";
                        await ErrorResponses.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, "forbidden", reason);
                    },
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Scopes.Read, policy => policy.RequireAuthenticatedUser().AddRequirements(new PlatformAccessRequirement(Scopes.Read)))
            .AddPolicy(Scopes.Write, policy => policy.RequireAuthenticatedUser().AddRequirements(new PlatformAccessRequirement(Scopes.Write)))
            .AddPolicy(Scopes.ClientAdmin, policy => policy.RequireAuthenticatedUser().AddRequirements(new PlatformAccessRequirement(Scopes.ClientAdmin)))
            // Secure by default: an endpoint that names no policy still needs a valid token.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }
}
