namespace UserAuth.Api.Common.FileFetch;

/// <summary>A download that did not happen or did not finish; <see cref="Exception.Message"/> is the reason, safe to show.</summary>
internal class FileFetchException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The fetch policy refused the URL or an address it resolved to (server-side request forgery guard).</summary>
internal sealed class FileFetchRefusedException(string message) : FileFetchException(message);

/// <summary>The file was too large or had too many rows.</summary>
internal sealed class FileFetchLimitException(string message) : FileFetchException(message);
