namespace UserAuth.Api.Storage;

/// <summary>Thrown at start-up when the configured store cannot be used.</summary>
internal sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
