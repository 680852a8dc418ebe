using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace UserAuth.Api.Features.Attributes;

/// <summary>
/// Keys of encrypted attributes (<c>Attributes:Encryption</c>). <c>Keys</c> is a key ring: each entry an id and base64
/// of 32 random bytes; <c>ActiveKeyId</c> encrypts new writes, every key in the ring still decrypts. <c>HashKey</c>
/// (base64 of 32 bytes) keys the HMAC that makes equality search possible; it cannot rotate without re-hashing.
/// Empty in Development and Testing only, where fixed development keys are used.
/// </summary>
internal sealed class AttributeEncryptionOptions
{
    public const string Section = "Attributes:Encryption";

    public List<AttributeKey> Keys { get; set; } = [];

    public string ActiveKeyId { get; set; } = "";

    public string HashKey { get; set; } = "";

    /// <summary>The problems of the configuration, or none.</summary>
    public IEnumerable<string> Problems(bool developmentKeysAllowed)
    {
        if (Keys.Count == 0 && string.IsNullOrWhiteSpace(HashKey) && developmentKeysAllowed)
        {
            yield break;
        }

        if (Keys.Count == 0)
        {
            yield return "Attributes:Encryption:Keys is required outside Development and Testing: at least one {Id, Key} with Key " +
                         "base64 of 32 random bytes (openssl rand -base64 32).";
        }

        foreach (var key in Keys)
        {
            if (string.IsNullOrWhiteSpace(key.Id) || key.Id.Contains(':', StringComparison.Ordinal) || key.Id.Length > 32)
            {
                yield return "Every Attributes:Encryption:Keys entry needs an Id of 1 to 32 characters without ':'.";
            }

            if (Decode(key.Key) is null)
            {
                yield return $"Attributes:Encryption:Keys '{key.Id}': Key must be base64 of exactly 32 bytes.";
            }
        }

        if (Keys.Select(k => k.Id).Distinct(StringComparer.Ordinal).Count() != Keys.Count)
        {
            yield return "Attributes:Encryption:Keys has the same Id twice.";
        }

        if (Keys.Count > 0 && Keys.All(k => k.Id != ActiveKeyId))
        {
            yield return "Attributes:Encryption:ActiveKeyId must name one of Attributes:Encryption:Keys.";
        }

        if (Decode(HashKey) is null)
        {
            yield return "Attributes:Encryption:HashKey must be base64 of exactly 32 random bytes.";
        }
    }

    public static byte[]? Decode(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }

        var buffer = new byte[base64.Length];
        return Convert.TryFromBase64String(base64.Trim(), buffer, out var written) && written == 32 ? buffer[..written] : null;
    }
}

internal sealed class AttributeKey
{
    public string Id { get; set; } = "";

    public string Key { get; set; } = "";
}

/// <summary>
/// AES-256-GCM for attribute values. The stored text is base64(nonce | ciphertext | tag); the key id is stored beside
/// it. The associated data binds a ciphertext to its application, definition and user, so a value copied onto another
/// user or attribute does not decrypt. Equality search uses an HMAC-SHA256 of the normalised value, scoped the same way.
/// </summary>
internal sealed class AttributeCipher
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly Dictionary<string, byte[]> keys;
    private readonly byte[] hashKey;

    public AttributeCipher(IOptions<AttributeEncryptionOptions> options, IHostEnvironment environment, ILogger<AttributeCipher> logger)
    {
        var o = options.Value;
        if (o.Keys.Count == 0)
        {
            if (!environment.IsDevelopment() && !environment.IsEnvironment("Testing"))
            {
                throw new InvalidOperationException(o.Problems(false).First());
            }

            logger.LogWarning("Attributes:Encryption is not set: encrypted attributes use fixed development keys ({Environment}).",
                environment.EnvironmentName);
            keys = new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["dev"] = DevelopmentKey("encryption") };
            ActiveKeyId = "dev";
            hashKey = DevelopmentKey("hash");
            return;
        }

        keys = o.Keys.ToDictionary(k => k.Id, k => AttributeEncryptionOptions.Decode(k.Key)!, StringComparer.Ordinal);
        ActiveKeyId = o.ActiveKeyId;
        hashKey = AttributeEncryptionOptions.Decode(o.HashKey) ?? DevelopmentKey("hash");
    }

    /// <summary>The key new writes are encrypted with.</summary>
    public string ActiveKeyId { get; }

    public (string Cipher, string KeyId) Encrypt(string plaintext, UserAttribute scope)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(keys[ActiveKeyId], TagBytes);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceBytes, plain.Length), output.AsSpan(NonceBytes + plain.Length, TagBytes),
            AssociatedData(scope));
        return (Convert.ToBase64String(output), ActiveKeyId);
    }

    /// <summary>The plaintext; throws <see cref="CryptographicException"/> for an unknown key or an altered value.</summary>
    public string Decrypt(UserAttribute stored)
    {
        if (stored.Cipher is null || stored.KeyId is null || !keys.TryGetValue(stored.KeyId, out var key))
        {
            throw new CryptographicException($"The key '{stored.KeyId}' of an encrypted attribute is not in the key ring.");
        }

        var input = Convert.FromBase64String(stored.Cipher);
        if (input.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("The encrypted value is too short.");
        }

        var length = input.Length - NonceBytes - TagBytes;
        var plain = new byte[length];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(input.AsSpan(0, NonceBytes), input.AsSpan(NonceBytes, length), input.AsSpan(NonceBytes + length, TagBytes), plain,
            AssociatedData(stored));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>The keyed hash of one normalised value of a definition: what equality filters on encrypted values match.</summary>
    public string Hash(string applicationId, string definitionId, string canonical)
    {
        var data = Encoding.UTF8.GetBytes($"{applicationId}|{definitionId}|{canonical}");
        return Convert.ToBase64String(HMACSHA256.HashData(hashKey, data));
    }

    private static byte[] AssociatedData(UserAttribute scope) =>
        Encoding.UTF8.GetBytes($"{scope.CompanyId}|{scope.ApplicationId}|{scope.DefinitionId}|{scope.UserId}");

    private static byte[] DevelopmentKey(string purpose) =>
        SHA256.HashData(Encoding.UTF8.GetBytes("UserAuth development-only attribute " + purpose + " key; never use in production"));
}
