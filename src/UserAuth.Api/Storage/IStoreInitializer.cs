namespace UserAuth.Api.Storage;

/// <summary>A store adapter that creates its tables or indexes; run, awaited, at start-up.</summary>
internal interface IStoreInitializer
{
    Task InitializeAsync(CancellationToken cancellationToken);
}
