using System.Text.Json;
using Microsoft.OpenApi.Any;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace UserAuth.Api.Hosting;

/// <summary>The API reference's examples, shown in Swagger UI on the schemas of the same name.</summary>
internal sealed class ReferenceExamplesSchemaFilter : ISchemaFilter
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Examples = new()
    {
        ["CreateUserRequestSchema"] = """
            {"username": "akash_mane", "phone_number": "8652523958", "email": "akashmane@gofynd.com",
             "first_name": "Akash", "last_name": "Mane", "gender": "male", "external_id": "100002000036789", "meta": {}}
            """,
        ["UpdateUserRequestSchema"] = """
            {"first_name": "Akash", "last_name": "Mane", "gender": "male", "external_id": "100002000036789", "meta": {},
             "emails": [{"email": "akashmane@gofynd.com", "primary": true, "verified": true, "active": true}],
             "phone_numbers": [{"phone": "8652523958", "country_code": "91", "primary": true, "verified": true, "active": true}]}
            """,
        ["UserSchema"] = """
            {"_id": "5e68af49cfa09bf7233022f1", "user_id": "5e68af49cfa09bf7233022f1", "application_id": "000000000000000000000004",
             "username": "akash_mane", "gender": "male", "active": true, "account_type": "user", "first_name": "Akash", "last_name": "Mane",
             "external_id": "100002000036789",
             "emails": [{"active": true, "primary": true, "verified": true, "email": "akashmane@gofynd.com"}],
             "phone_numbers": [{"active": true, "primary": true, "verified": true, "phone": "8652523958", "country_code": 91}],
             "meta": {}, "created_at": "2020-03-11T09:28:41.982Z", "updated_at": "2020-03-11T09:28:41.982Z", "__v": 0}
            """,
        ["BlockUserRequestSchema"] = """{"user_id": ["5e68af49cfa09bf7233022f1"], "status": false, "reason": "fraud check"}""",
        ["ArchiveUserRequestSchema"] = """{"user_id": "5e68af49cfa09bf7233022f1"}""",
        ["UnDeleteUserRequestSchema"] = """{"user_id": "5e68af49cfa09bf7233022f1", "reason": "changed my mind", "reason_id": "1"}""",
        ["CreateUserSessionRequestSchema"] = """{"user_id": "5e68af49cfa09bf7233022f1", "domain": "vinit.com"}""",
        ["CreateUserSessionResponseSchema"] = """
            {"domain": "vinit.com", "max_age": 2592000, "secure": true, "http_only": true,
             "cookie": {"f.session": "s%3A-LrEF5FVR8jrT5DCtCHSbAy7JFyX-f9T.uXOQwzje8nOfx4ODANrLi4yNX5fW2W5kLQ2rkBdO2xE"}}
            """,
        ["SessionsDeleteResponseSchema"] = """{"user_id": "61f02c3dcc701256044ed6c0", "session_ids": ["6540da9759b4f70ad817ace7"]}""",
        ["SessionDeleteResponseSchema"] = """{"user_id": "61f02c3dcc701256044ed6c0", "session_id": "6540da9759b4f70ad817ace7"}""",
    };

    public static void Add(string schemaName, string json) => Examples[schemaName] = json;

    public void Apply(OpenApiSchema schema, SchemaFilterContext context)
    {
        if (Examples.TryGetValue(context.Type.Name, out var json))
        {
            schema.Example = ToOpenApi(JsonDocument.Parse(json).RootElement);
        }
    }

    private static IOpenApiAny ToOpenApi(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new OpenApiObject();
                foreach (var property in element.EnumerateObject())
                {
                    obj[property.Name] = ToOpenApi(property.Value);
                }

                return obj;
            case JsonValueKind.Array:
                var array = new OpenApiArray();
                array.AddRange(element.EnumerateArray().Select(ToOpenApi));
                return array;
            case JsonValueKind.String:
                return new OpenApiString(element.GetString());
            case JsonValueKind.Number:
                return element.TryGetInt64(out var l) ? new OpenApiLong(l) : new OpenApiDouble(element.GetDouble());
            case JsonValueKind.True:
                return new OpenApiBoolean(true);
            case JsonValueKind.False:
                return new OpenApiBoolean(false);
            default:
                return new OpenApiNull();
        }
    }
}
