using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common;

namespace UserAuth.Api.Features.Attributes;

/// <summary>
/// Keys of encrypted attributes (<c>Attributes:Encryption</c>). <c>Keys</c> is a key ring: each entry an id and base64
/// of 32 random bytes; <c>ActiveKeyId</c> encrypts new writes, every key in the ring still decrypts. <c>HashKey</c>
/// (base64 of 32 bytes) keys the HMAC that makes equality search possible; it cannot change without re-hashing every
/// value. All optional: without them, a key with id <c>secrets-v1</c> and the hash key are derived (HKDF-SHA256) from
/// <c>Secrets:EncryptionKey</c>, which stays in the ring (so values under it decrypt after a ring is configured).
/// </summary>
internal sealed class AttributeEncryptionOptions
{
    public const string Section = "Attributes:Encryption";

    public List<AttributeKey> Keys { get; set; } = [];

    public string ActiveKeyId { get; set; } = "";

    public string HashKey { get; set; } = "";

    /// <summary>The problems of the configuration, or none.</summary>
    public IEnumerable<string> Problems()
    {
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

        if (!string.IsNullOrWhiteSpace(HashKey) && Decode(HashKey) is null)
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

    public const string DerivedKeyId = "secrets-v1";

    public AttributeCipher(IOptions<AttributeEncryptionOptions> options, IOptions<SecretsOptions> secrets, IHostEnvironment environment,
        ILogger<AttributeCipher> logger)
    {
        var o = options.Value;
        byte[] master;
        if (SecretsOptions.Decode(secrets.Value.EncryptionKey) is { } configured)
        {
            master = configured;
        }
        else if (SecretsOptions.AllowsDevelopmentKey(environment))
        {
            logger.LogWarning("Secrets:EncryptionKey is not set: attribute keys are derived from a fixed development key ({Environment}).",
                environment.EnvironmentName);
            master = SHA256.HashData(Encoding.UTF8.GetBytes("UserAuth development-only attribute key; never use in production"));
        }
        else
        {
            // ValidateOnStart of SecretsOptions normally stops start-up before this point.
            throw new InvalidOperationException(SecretsOptions.MissingKeyMessage);
        }

        keys = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [DerivedKeyId] = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: Encoding.UTF8.GetBytes("userauth attribute encryption v1")),
        };
        foreach (var key in o.Keys)
        {
            keys[key.Id] = AttributeEncryptionOptions.Decode(key.Key)!;
        }

        ActiveKeyId = o.Keys.Count > 0 ? o.ActiveKeyId : DerivedKeyId;
        hashKey = AttributeEncryptionOptions.Decode(o.HashKey)
                  ?? HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: Encoding.UTF8.GetBytes("userauth attribute hash v1"));
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
}
