using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace UserAuth.Api.Common;

/// <summary>
/// Optimistic concurrency on the wire: a versioned resource's <c>ETag</c> is its <c>__v</c> as a strong entity tag
/// (<c>"3"</c>); an update sent with <c>If-Match</c> applies only while the stored version is one of the tags (else 412
/// <c>precondition_failed</c>, nothing written); <c>If-Match: *</c> or no header applies to any version.
/// </summary>
internal sealed record IfMatch(IReadOnlyList<int> Versions)
{
    public const string HeaderName = "If-Match";

    /// <summary>Null when the header is absent or <c>*</c>; a 400 when it is not a list of quoted versions.</summary>
    public static IfMatch? Parse(string? header)
    {
        if (header is null || header.Trim() == "*")
        {
            return null;
        }

        var versions = new List<int>();
        if (!EntityTagHeaderValue.TryParseStrictList([header], out var tags) ||
            tags.Count == 0)
        {
            throw Invalid();
        }

        foreach (var tag in tags)
        {
            // A weak tag never matches If-Match (RFC 9110 13.1.1: strong comparison); our tags are strong.
            if (tag.IsWeak || !int.TryParse(tag.Tag.AsSpan(1, tag.Tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw Invalid();
            }

            versions.Add(version);
        }

        return new IfMatch(versions);
    }

    /// <summary>Throws 412 when <paramref name="current"/> is not one of the versions the caller read.</summary>
    public void Check(int current, string what)
    {
        if (!Versions.Contains(current))
        {
            throw new PreconditionFailedException(
                $"The {what} changed since it was read: its version is {current}, If-Match names {string.Join(", ", Versions)}. " +
                "Read it again and repeat the update.",
                errors: [new FieldError(HeaderName, $"does not match the current ETag {ETags.Of(current)}")]);
        }
    }

    private static ValidationFailedException Invalid() =>
        new(HeaderName, "must be * or a list of ETags as answered (a quoted version such as \"3\")");
}

internal static class ETags
{
    public static string Of(int version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>Sets the ETag of a versioned resource on the answer.</summary>
    public static void Set(HttpResponse response, int version) => response.Headers.ETag = Of(version);
}
