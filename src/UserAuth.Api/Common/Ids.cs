using MongoDB.Bson;

namespace UserAuth.Api.Common;

/// <summary>Ids are 24-hex-digit ObjectId strings in both stores.</summary>
public static class Ids
{
    public static string New() => ObjectId.GenerateNewId().ToString();

    public static bool IsValid(string? id) =>
        id is { Length: 24 } && id.All(char.IsAsciiHexDigit);

    /// <summary>Throws a 400 naming <paramref name="field"/> when <paramref name="id"/> is not an id.</summary>
    public static string Require(string? id, string field) =>
        IsValid(id) ? id!.ToLowerInvariant() : throw new ValidationFailedException(field, "must be a 24-hex-digit id");
}

/// <summary>The tenant every stored row belongs to: a company's application.</summary>
public readonly record struct Tenant(string CompanyId, string ApplicationId);
