using UserAuth.Api.Common.FileFetch;
using UserAuth.Api.Common.Jobs;
using UserAuth.Api.Hosting;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Api.Features.Groups;

internal static class GroupsFeature
{
    /// <summary>User groups: the five reference methods, the two membership reads, and the background worker's handler.</summary>
    public static WebApplicationBuilder AddUserAuthGroups(this WebApplicationBuilder builder)
    {
        builder.AddUserAuthFileFetch();
        builder.AddUserAuthJobs();
        builder.Services.AddSingleton<UserGroupService>();
        builder.Services.AddSingleton<UserGroupMembership>();
        builder.Services.AddSingleton<IJobHandler, UserGroupJobHandler>();
        builder.AddStore<IUserGroupStore, SqliteUserGroupStore, MongoUserGroupStore>();
        ReferenceExamplesSchemaFilter.Add(nameof(CreateUserGroup), """
            {"name": "test2", "description": "test2", "type": "bulk", "file_url": "https://files.example.com/groups/test2.csv"}
            """);
        ReferenceExamplesSchemaFilter.Add(nameof(UpdateUserGroupSchema), """
            {"name": "test2", "description": "test2", "file_url": "https://files.example.com/groups/test2-v2.csv"}
            """);
        ReferenceExamplesSchemaFilter.Add(nameof(PartialUserGroupUpdateSchema), """
            {"type": "json", "user_data": [{"action": "add", "user_id": "5e68af49cfa09bf7233022f1"},
             {"action": "remove", "email": "akashmane@gofynd.com"}, {"action": "add", "phone_number": "8652523958"}]}
            """);
        ReferenceExamplesSchemaFilter.Add(nameof(UserGroupResponseSchema), """
            {"uid": 469, "name": "test2", "description": "test2", "application_id": "000000000000000000000004",
             "status": "pending", "is_active": true, "type": "bulk", "_id": "6540da9759b4f70ad817ace7",
             "file_url": "testuerl2", "created_at": "2023-10-31T10:44:39.809Z", "modified_at": "2023-10-31T10:44:39.809Z", "__v": 0}
            """);
        ReferenceExamplesSchemaFilter.Add(nameof(UserGroupListResponseSchema), """
            {"items": [{"uid": 469, "name": "test2", "description": "test2", "application_id": "000000000000000000000004",
              "status": "pending", "is_active": true, "type": "bulk", "_id": "6540da9759b4f70ad817ace7", "file_url": "testuerl2",
              "created_at": "2023-10-31T10:44:39.809Z", "modified_at": "2023-10-31T10:44:39.809Z", "__v": 0},
             {"uid": 460, "name": "test", "description": "test", "application_id": "000000000000000000000004",
              "status": "pending", "is_active": true, "type": "bulk", "_id": "6540da9759b4f70ad817ace8", "file_url": "testuerl2",
              "created_at": "2023-10-31T10:44:39.809Z", "modified_at": "2023-10-31T10:44:39.809Z", "__v": 0}],
             "page": {"type": "number", "current": 1, "size": 10, "item_total": 0, "has_next": false}}
            """);
        return builder;
    }
}
