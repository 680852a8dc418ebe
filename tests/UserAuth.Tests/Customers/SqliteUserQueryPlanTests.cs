using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Storage.Sqlite;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Customers;

/// <summary>The users the SQLite adapter reads by id are found by their primary key, not by walking the application.</summary>
[Collection(SqliteCollection.Name)]
public sealed class SqliteUserQueryPlanTests(SqliteApiFixture fixture)
{
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(100)]
    public async Task Users_by_ids_are_primary_key_searches(int count)
    {
        var plan = await PlanAsync(SqliteUserStore.FindByIdsSql(count));
        var line = Assert.Single(plan);
        Assert.Contains("SEARCH users USING INDEX sqlite_autoindex_users_1 (id=?)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_check_sees_the_plan_that_walks_the_application()
    {
        // The same query without the unary + (how it was): SQLite searches an index by company and application.
        var plan = await PlanAsync(SqliteUserStore.FindByIdsSql(10).Replace("+company_id", "company_id", StringComparison.Ordinal)
            .Replace("+application_id", "application_id", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("(id=?)", StringComparison.Ordinal));
    }

    private async Task<List<string>> PlanAsync(string sql)
    {
        fixture.RequireStore();
        var database = fixture.Services.GetRequiredService<SqliteDatabase>();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        return plan;
    }
}
