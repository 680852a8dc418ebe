using System.Text.Json;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.BulkJobs;

/// <summary>The export body's example in the OpenAPI document shows the filters, an attribute filter among them.</summary>
[Collection(SqliteCollection.Name)]
public sealed class BulkJobsSwaggerTests(SqliteApiFixture fixture)
{
    [Fact]
    public async Task The_export_example_shows_an_attribute_filter_the_validator_accepts()
    {
        var document = await fixture.Anonymous().GetJsonAsync("/swagger/v1/swagger.json");
        var example = document.GetProperty("components").GetProperty("schemas").GetProperty("BulkUserExportSchema").GetProperty("example");
        var filter = example.GetProperty("attribute_filter");
        Assert.Equal("and", filter.GetProperty("type").GetString());
        var conditions = filter.GetProperty("conditions").EnumerateArray().ToList();
        Assert.Equal(["eq", "gte"], conditions.Select(c => c.GetProperty("type").GetString()));
        Assert.All(conditions, c => Assert.Equal(24, c.GetProperty("definition_id").GetString()!.Length));

        // Sent as it is, it passes validation and is refused only because this application defines no such attribute.
        var http = await fixture.ClientAsync();
        var refused = await http.PostJsonAsync($"{Http.App(ApiFixture.NewApplicationId())}/users/jobs/export",
            JsonSerializer.Deserialize<object>(example.GetRawText())!, System.Net.HttpStatusCode.BadRequest);
        Assert.StartsWith("attribute_filter.conditions[0]", refused.GetProperty("errors")[0].GetProperty("field").GetString(), StringComparison.Ordinal);
    }
}
