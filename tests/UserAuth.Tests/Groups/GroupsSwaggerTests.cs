using System.Text.Json;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Groups;

/// <summary>The user group routes in the OpenAPI document: under their tag, named, with the reference's examples.</summary>
[Collection(SqliteCollection.Name)]
public sealed class GroupsSwaggerTests(SqliteApiFixture fixture)
{
    private const string Prefix = "/service/platform/user/v1.0/company/{company_id}/application/{application_id}";

    [Fact]
    public async Task Every_group_route_is_documented_with_its_operation_id_and_the_reference_examples()
    {
        var document = await fixture.Anonymous().GetJsonAsync("/swagger/v1/swagger.json");
        var paths = document.GetProperty("paths");
        foreach (var (path, verb, id) in new[]
                 {
                     ("/user_group", "post", "createUserGroup"), ("/user_group", "get", "getUserGroups"),
                     ("/user_group/{group_id}", "get", "getUserGroupById"), ("/user_group/{group_id}", "put", "updateUserGroup"),
                     ("/user_group/{group_id}", "patch", "updateUserGroupPartially"),
                     ("/user_group/{group_id}/users", "get", "getUserGroupMembers"),
                     ("/user_group/user/{user_id}", "get", "getUserGroupsOfUser"),
                     ("/job_reports/{report_id}", "get", "getJobErrorReport"),
                 })
        {
            var operation = paths.GetProperty(Prefix + path).GetProperty(verb);
            Assert.Equal(id, operation.GetProperty("operationId").GetString());
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), id);
        }

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var example = schemas.GetProperty("UserGroupResponseSchema").GetProperty("example");
        Assert.Equal(469, example.GetProperty("uid").GetInt32());
        Assert.Equal("6540da9759b4f70ad817ace7", example.GetProperty("_id").GetString());
        foreach (var name in new[] { "CreateUserGroup", "UpdateUserGroupSchema", "PartialUserGroupUpdateSchema", "UserGroupListResponseSchema" })
        {
            Assert.Equal(JsonValueKind.Object, schemas.GetProperty(name).GetProperty("example").ValueKind);
        }
    }
}
