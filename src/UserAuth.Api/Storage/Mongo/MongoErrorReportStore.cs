using MongoDB.Driver;
using UserAuth.Api.Common;
using UserAuth.Api.Common.Jobs;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>
/// Error reports in <c>job_error_rows</c>, one document per bad input row, written as upserts on (tenant, report,
/// row number) so a batch written twice leaves one document per row.
/// </summary>
internal sealed class MongoErrorReportStore : IErrorReportStore, IStoreInitializer
{
    private static readonly FilterDefinitionBuilder<ErrorRowDocument> Filter = Builders<ErrorRowDocument>.Filter;
    public static readonly MongoCollectionLayout Layout = new(
        "job_error_rows",
        new MongoDB.Bson.BsonDocument { { "application_id", 1 }, { "company_id", 1 }, { "report_id", 1 } },
        "Rows are written and read by report; a large import's report splits from the others'.",
        [
            new("report_rows", new MongoDB.Bson.BsonDocument
            {
                { "application_id", 1 }, { "company_id", 1 }, { "report_id", 1 }, { "row_number", 1 },
            }, Unique: true),
        ],
        []);

    private readonly MongoDatabaseProvider mongo;
    private readonly IMongoCollection<ErrorRowDocument> collection;

    public MongoErrorReportStore(MongoDatabaseProvider mongo)
    {
        MongoConventions.Register();
        this.mongo = mongo;
        collection = mongo.Database.GetCollection<ErrorRowDocument>(Layout.Collection);
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => MongoIndexes.EnsureAsync(mongo, Layout, cancellationToken);

    public async Task AppendAsync(Tenant tenant, string reportId, IReadOnlyCollection<ErrorReportRow> rows,
        CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var writes = rows.Select(row => new UpdateOneModel<ErrorRowDocument>(
            Report(tenant, reportId) & Filter.Eq(r => r.RowNumber, row.RowNumber),
            Builders<ErrorRowDocument>.Update
                .SetOnInsert(r => r.Id, Ids.New())
                .Set(r => r.Row, row.Row)
                .Set(r => r.Reason, row.Reason))
        { IsUpsert = true });
        await collection.BulkWriteAsync(writes, new BulkWriteOptions { IsOrdered = false }, cancellationToken);
    }

    public async Task<long> CountAsync(Tenant tenant, string reportId, CancellationToken cancellationToken) =>
        await collection.CountDocumentsAsync(Report(tenant, reportId), cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<ErrorReportRow>> ReadAsync(Tenant tenant, string reportId, long afterRow, int limit,
        CancellationToken cancellationToken)
    {
        var found = await collection.Find(Report(tenant, reportId) & Filter.Gt(r => r.RowNumber, afterRow))
            .Sort(Builders<ErrorRowDocument>.Sort.Ascending(r => r.RowNumber)).Limit(limit).ToListAsync(cancellationToken);
        return found.Select(r => new ErrorReportRow(r.RowNumber, r.Row, r.Reason)).ToList();
    }

    public async Task DeleteAsync(Tenant tenant, string reportId, CancellationToken cancellationToken) =>
        await MongoDatabaseProvider.RepeatOnTransientAsync(_ => collection.DeleteManyAsync(Report(tenant, reportId), cancellationToken),
            cancellationToken);

    private static FilterDefinition<ErrorRowDocument> Report(Tenant tenant, string reportId) =>
        Filter.Eq(r => r.ApplicationId, tenant.ApplicationId) & Filter.Eq(r => r.CompanyId, tenant.CompanyId) &
        Filter.Eq(r => r.ReportId, reportId);

    /// <summary>How an error row is stored.</summary>
    internal sealed class ErrorRowDocument
    {
        public string Id { get; set; } = "";

        public string ApplicationId { get; set; } = "";

        public string CompanyId { get; set; } = "";

        public string ReportId { get; set; } = "";

        public long RowNumber { get; set; }

        public string Row { get; set; } = "";

        public string Reason { get; set; } = "";
    }
}
