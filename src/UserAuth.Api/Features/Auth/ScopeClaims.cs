using System.Security.Claims;

namespace UserAuth.Api.Features.Auth;

/// <summary>The scopes of the token a request carries.</summary>
internal static class ScopeClaims
{
    /// <summary>True when the token's space-separated <c>scope</c> claim holds <paramref name="scope"/>.</summary>
    public static bool HasScope(this ClaimsPrincipal user, string scope) =>
        (user.FindFirst(TokenClaims.Scope)?.Value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(scope);
}
