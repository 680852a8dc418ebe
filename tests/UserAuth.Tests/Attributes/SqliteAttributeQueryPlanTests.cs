using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Attributes;
using UserAuth.Api.Storage.Sqlite;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Attributes;

/// <summary>Every filter condition the SQLite adapter runs is a search on an index, never a scan of a table.</summary>
[Collection(SqliteCollection.Name)]
public sealed class SqliteAttributeQueryPlanTests(SqliteApiFixture fixture)
{
    public static TheoryData<string, string, bool> Conditions()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var match in Enum.GetValues<TermMatch>())
        {
            data.Add((match is TermMatch.Gt or TermMatch.Gte or TermMatch.Lt or TermMatch.Lte or TermMatch.Between ? TermKind.Number : TermKind.Text)
                .ToString(), match.ToString(), false);
        }

        data.Add(nameof(TermKind.Text), nameof(TermMatch.In), true);
        data.Add(nameof(TermKind.Text), nameof(TermMatch.Contains), true);
        data.Add(nameof(TermKind.Hash), nameof(TermMatch.In), false);
        data.Add(nameof(TermKind.Hash), nameof(TermMatch.In), true);
        return data;
    }

    [Theory]
    [MemberData(nameof(Conditions))]
    public async Task A_condition_searches_the_term_index_of_its_definition(string kindName, string matchName, bool negated)
    {
        var kind = Enum.Parse<TermKind>(kindName);
        var match = Enum.Parse<TermMatch>(matchName);
        // Ten operands: with them (and no statistics) SQLite once chose an index in user_id order over the whole application.
        var condition = new StoreCondition(Ids.New(), kind, match, negated,
            kind == TermKind.Number ? [] : Enumerable.Range(0, 10).Select(i => $"v{i}").ToList(), kind == TermKind.Number ? [1, 2] : []);
        var other = new StoreCondition(Ids.New(), TermKind.Number, TermMatch.Gt, false, [], [5]);
        foreach (var filter in new[] { new StoreFilter(true, [condition]), new StoreFilter(false, [condition, other]), new StoreFilter(true, [condition, other], [Ids.New()]) })
        {
            var plan = await PlanAsync(filter);
            Assert.DoesNotContain(plan, line => line.Contains("SCAN user_attribute", StringComparison.Ordinal));
            // Every read of a table searches by application, company and definition.
            Assert.All(plan.Where(line => line.Contains(" user_attribute", StringComparison.Ordinal)),
                line => Assert.Contains("definition_id=?", line, StringComparison.Ordinal));
            Assert.Contains(plan, line => line.Contains("USING", StringComparison.Ordinal) && line.Contains("INDEX", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_check_sees_a_scan_when_there_is_one()
    {
        fixture.RequireStore();
        var database = fixture.Services.GetRequiredService<SqliteDatabase>();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN SELECT user_id FROM user_attribute_terms WHERE instr(text_term, 'a') > 0;";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Contains("SCAN user_attribute_terms", reader.GetString(3), StringComparison.Ordinal);
    }

    private async Task<List<string>> PlanAsync(StoreFilter filter)
    {
        fixture.RequireStore();
        var database = fixture.Services.GetRequiredService<SqliteDatabase>();
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        var (matched, among) = SqliteAttributeStore.MatchedSql(command, new Tenant("1001", ApiFixture.NewApplicationId()), filter);
        command.CommandText = $"EXPLAIN QUERY PLAN WITH matched(user_id) AS ({matched}) SELECT user_id FROM matched{among} ORDER BY user_id LIMIT 20;";
        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        return plan;
    }
}
