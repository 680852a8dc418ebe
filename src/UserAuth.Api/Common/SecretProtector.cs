using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace UserAuth.Api.Common;

internal sealed class SecretsOptions
{
    public const string Section = "Secrets";

    public const string MissingKeyMessage =
        "Secrets:EncryptionKey is required outside Development and Testing: set Secrets__EncryptionKey to base64 of " +
        "32 random bytes (e.g. `openssl rand -base64 32`); every instance must share it.";

    public const string InvalidKeyMessage =
        "Secrets:EncryptionKey must be base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`).";

    public const string InvalidPreviousKeyMessage =
        "Secrets:PreviousEncryptionKeys must each be base64 of exactly 32 bytes.";

    /// <summary>
    /// Base64 of 32 random bytes (<c>openssl rand -base64 32</c>); every instance must share it. Empty is allowed in
    /// Development and Testing only, where a fixed development key is used instead.
    /// </summary>
    public string EncryptionKey { get; set; } = "";

    /// <summary>
    /// Older keys (same form) that still decrypt what they encrypted, for key rotation: new values are always encrypted
    /// with <see cref="EncryptionKey"/>; a value written under an older key is re-encrypted when it is next saved.
    /// </summary>
    public List<string> PreviousEncryptionKeys { get; set; } = [];

    /// <summary>The key's bytes, or null when it is not base64 of exactly 32 bytes.</summary>
    public static byte[]? Decode(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return null;
        }

        var buffer = new byte[key.Length];
        return Convert.TryFromBase64String(key.Trim(), buffer, out var written) && written == SecretProtector.KeyBytes
            ? buffer[..written]
            : null;
    }

    /// <summary>Where an empty key falls back to the development key.</summary>
    public static bool AllowsDevelopmentKey(IHostEnvironment environment) =>
        environment.IsDevelopment() || environment.IsEnvironment("Testing");
}

/// <summary>
/// Encrypts secrets kept at rest (third-party app secrets) with AES-256-GCM. The stored form is
/// <c>v1:</c> + base64(nonce | ciphertext | tag); the version prefix leaves room for another format or key later.
/// </summary>
internal sealed class SecretProtector
{
    public const int KeyBytes = 32;
    private const string Version1 = "v1:";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>Never a production key: it is in the source. Used only when no key is configured in Development/Testing.</summary>
    private static readonly byte[] DevelopmentKey =
        SHA256.HashData(Encoding.UTF8.GetBytes("UserAuth development-only secrets key; never use in production"));

    private readonly byte[] key;
    private readonly byte[][] previousKeys;

    public SecretProtector(IOptions<SecretsOptions> options, IHostEnvironment environment, ILogger<SecretProtector> logger)
    {
        var configured = options.Value.EncryptionKey;
        if (string.IsNullOrWhiteSpace(configured))
        {
            if (!SecretsOptions.AllowsDevelopmentKey(environment))
            {
                // ValidateOnStart normally stops start-up before this point.
                throw new InvalidOperationException(SecretsOptions.MissingKeyMessage);
            }

            logger.LogWarning(
                "Secrets:EncryptionKey is not set; secrets are encrypted with a fixed development key ({Environment}). " +
                "Set Secrets__EncryptionKey before storing real secrets.", environment.EnvironmentName);
            key = DevelopmentKey;
        }
        else
        {
            key = SecretsOptions.Decode(configured) ?? throw new InvalidOperationException(SecretsOptions.InvalidKeyMessage);
        }

        previousKeys = options.Value.PreviousEncryptionKeys
            .Select(k => SecretsOptions.Decode(k) ?? throw new InvalidOperationException(SecretsOptions.InvalidPreviousKeyMessage))
            .ToArray();
    }

    public string Protect(string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceBytes, plain.Length), output.AsSpan(NonceBytes + plain.Length, TagBytes));
        return Version1 + Convert.ToBase64String(output);
    }

    /// <summary>The plaintext; throws <see cref="CryptographicException"/> for a value that is not ours or was altered.</summary>
    public string Unprotect(string protectedText)
    {
        if (!protectedText.StartsWith(Version1, StringComparison.Ordinal))
        {
            throw new CryptographicException("The protected value has an unknown format.");
        }

        byte[] input;
        try
        {
            input = Convert.FromBase64String(protectedText[Version1.Length..]);
        }
        catch (FormatException e)
        {
            throw new CryptographicException("The protected value is not valid base64.", e);
        }

        if (input.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("The protected value is too short.");
        }

        var cipherLength = input.Length - NonceBytes - TagBytes;
        var plain = new byte[cipherLength];
        // The current key first, then the previous ones (rotation): GCM's tag tells which key encrypted the value.
        for (var i = 0; ; i++)
        {
            using var aes = new AesGcm(i == 0 ? key : previousKeys[i - 1], TagBytes);
            try
            {
                aes.Decrypt(input.AsSpan(0, NonceBytes), input.AsSpan(NonceBytes, cipherLength),
                    input.AsSpan(NonceBytes + cipherLength, TagBytes), plain);
                return Encoding.UTF8.GetString(plain);
            }
            catch (AuthenticationTagMismatchException) when (i < previousKeys.Length)
            {
                // not this key; try the next older one
            }
        }
    }
}
