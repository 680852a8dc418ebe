using UserAuth.Api.Common;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>What a job listing asks for; every field but the action is optional.</summary>
internal sealed record BulkJobQuery(
    string ActionType,
    string? Status,
    string? FileFormat,
    DateTime? CreatedFrom,
    DateTime? CreatedTo,
    string? Search);

/// <summary>Storage port of the bulk jobs.</summary>
internal interface IBulkJobStore
{
    Task InsertAsync(BulkJob job, CancellationToken cancellationToken);

    Task<BulkJob?> FindAsync(Tenant tenant, string id, CancellationToken cancellationToken);

    /// <summary>
    /// The tenant's jobs of one action, newest first (created_at, then id). <see cref="BulkJobQuery.Search"/> matches a
    /// job id exactly or a part of the file name, ignoring case.
    /// </summary>
    Task<(IReadOnlyList<BulkJob> Items, long Total)> ListAsync(Tenant tenant, BulkJobQuery query, int skip, int take,
        CancellationToken cancellationToken);

    /// <summary>Replaces the job if its stored version is still <paramref name="expectedVersion"/>; false when another write won.</summary>
    Task<bool> ReplaceAsync(BulkJob job, int expectedVersion, CancellationToken cancellationToken);

    /// <summary>Finished jobs whose files are due for removal at <paramref name="now"/>.</summary>
    Task<IReadOnlyList<BulkJob>> FindFilesDueAsync(DateTime now, int limit, CancellationToken cancellationToken);
}
