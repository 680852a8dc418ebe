using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace UserAuth.Api.Features.Auth;

/// <summary>
/// The bearer token handler, remembering tokens it validated: a client sends the same token with every request until
/// it expires, and checking its HMAC, parsing its JSON and building its identity again each time cost about a quarter
/// of a lookup's CPU. A token is remembered under its exact text, only after it validated, and only until its own
/// <c>exp</c> (so an expired token is validated afresh and refused); anything else (unknown, invalid, expired) goes
/// through full validation. At most <see cref="Capacity"/> tokens are remembered; beyond that the cache starts over.
/// </summary>
internal sealed class ValidatedTokenCache : JsonWebTokenHandler
{
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, (TokenValidationResult Result, DateTime ValidTo)> validated = new(StringComparer.Ordinal);

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        // Real time, as the base handler checks lifetimes with.
        var now = DateTime.UtcNow;
        if (validated.TryGetValue(token, out var known))
        {
            if (now < known.ValidTo)
            {
                return known.Result;
            }

            validated.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid && result.SecurityToken is { ValidTo: var validTo } && validTo > now)
        {
            if (validated.Count >= Capacity)
            {
                validated.Clear();
            }

            validated[token] = (result, validTo);
        }

        return result;
    }
}
