using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Auth;

/// <summary>The OAuth token endpoint the official client calls: client credentials grant with HTTP Basic auth.</summary>
[ApiController]
[AllowAnonymous]
[EnableRateLimiting(AuthFeature.TokenRateLimit)]
[Route("service/panel/authentication/v1.0/company/{company_id}/oauth/token")]
[Tags("Authentication")]
internal sealed class TokenController(TokenService tokens, ServiceMetrics metrics) : ControllerBase
{
    /// <summary>Exchange client credentials (HTTP Basic, or client_id/client_secret form fields) for a bearer token.</summary>
    [HttpPost]
    [EndpointName("getAccessToken")]
    [Consumes("application/x-www-form-urlencoded")]
    [ProducesResponseType(typeof(TokenResponse), StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status400BadRequest)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status401Unauthorized)]
    [ProducesResponseType(typeof(ErrorBody), StatusCodes.Status429TooManyRequests)]
    public async Task<IActionResult> Issue([FromRoute(Name = "company_id")] string companyId, [FromForm] TokenRequest form,
        CancellationToken cancellationToken)
    {
        try
        {
            var result = await IssueAsync(companyId, form, cancellationToken);
            metrics.TokenIssued();
            return result;
        }
        catch (ApiException e)
        {
            metrics.TokenRefused(e.Code);
            throw;
        }
    }

    private async Task<IActionResult> IssueAsync(string companyId, TokenRequest form, CancellationToken cancellationToken)
    {
        if (form.GrantType != "client_credentials")
        {
            throw new BadRequestException("grant_type must be client_credentials.", "unsupported_grant_type",
                [new FieldError("grant_type", "must be client_credentials")]);
        }

        var (clientId, clientSecret) = ReadCredentials(form);
        if (string.IsNullOrEmpty(clientId) || string.IsNullOrEmpty(clientSecret))
        {
            throw new InvalidClientException();
        }

        var token = await tokens.IssueAsync(companyId, clientId, clientSecret, form.Scope, cancellationToken);
        Response.Headers.CacheControl = "no-store";
        return Ok(token);
    }

    private (string? Id, string? Secret) ReadCredentials(TokenRequest form)
    {
        if (AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header) &&
            string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) && header.Parameter is not null)
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    return (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
                }
            }
            catch (FormatException)
            {
                throw new InvalidClientException();
            }
        }

        return (form.ClientId, form.ClientSecret);
    }
}

internal sealed class TokenRequest
{
    [FromForm(Name = "grant_type")]
    public string? GrantType { get; set; }

    [FromForm(Name = "scope")]
    public string? Scope { get; set; }

    [FromForm(Name = "client_id")]
    public string? ClientId { get; set; }

    [FromForm(Name = "client_secret")]
    public string? ClientSecret { get; set; }
}
