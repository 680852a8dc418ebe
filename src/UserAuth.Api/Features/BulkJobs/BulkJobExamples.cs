using UserAuth.Api.Hosting;

namespace UserAuth.Api.Features.BulkJobs;

/// <summary>Swagger examples in the shape of the official client's (3.4.2) models.</summary>
internal static class BulkJobExamples
{
    public static void Register()
    {
        ReferenceExamplesSchemaFilter.Add(nameof(CreateStoreFrontUsersPayload), """
            {"absolute_url": "https://api.example.com/service/platform/user/v1.0/company/1/application/65f1b4d2a7c3e9f0a1b2c3d4/users/jobs/65f1b4d2a7c3e9f0a1b2c3d5/file",
             "relative_url": "/service/platform/user/v1.0/company/1/application/65f1b4d2a7c3e9f0a1b2c3d4/users/jobs/65f1b4d2a7c3e9f0a1b2c3d5/file",
             "file_format": "csv", "dry_run": false}
            """);
        ReferenceExamplesSchemaFilter.Add(nameof(BulkUserExportSchema), """
            {"file_format": "csv", "status": "active", "created_from": "2024-01-01T00:00:00.000Z",
             "attribute_filter": {"type": "and", "conditions": [
               {"definition_id": "65f1b4d2a7c3e9f0a1b2c3e1", "type": "eq", "value": "gold"},
               {"definition_id": "65f1b4d2a7c3e9f0a1b2c3e2", "type": "gte", "value": 30}]}}
            """);
        ReferenceExamplesSchemaFilter.Add(nameof(BulkActionModel), """
            {"_id": "65f1b4d2a7c3e9f0a1b2c3d6", "file_name": "customers.csv", "file_format": "csv", "action_type": "import",
             "created_by": {"name": "my-api-client", "user_id": "my-api-client"},
             "count": {"total": 1000, "success": 998, "error": 2}, "status": "partially_completed",
             "links": {
               "file": {"absolute_url": "https://api.example.com/service/platform/user/v1.0/company/1/application/65f1b4d2a7c3e9f0a1b2c3d4/users/jobs/65f1b4d2a7c3e9f0a1b2c3d6/file",
                        "relative_url": "/service/platform/user/v1.0/company/1/application/65f1b4d2a7c3e9f0a1b2c3d4/users/jobs/65f1b4d2a7c3e9f0a1b2c3d6/file"},
               "error": {"absolute_url": "https://api.example.com/service/platform/user/v1.0/company/1/application/65f1b4d2a7c3e9f0a1b2c3d4/users/jobs/65f1b4d2a7c3e9f0a1b2c3d6/error",
                         "relative_url": "/service/platform/user/v1.0/company/1/application/65f1b4d2a7c3e9f0a1b2c3d4/users/jobs/65f1b4d2a7c3e9f0a1b2c3d6/error"}},
             "application_id": "65f1b4d2a7c3e9f0a1b2c3d4", "company_id": "1",
             "created_at": "2024-05-01T10:00:00.000Z", "updated_at": "2024-05-01T10:00:12.345Z", "dry_run": false}
            """);
    }
}
