using UserAuth.Api.Features.Customers;
using UserAuth.Api.Hosting;
using UserAuth.Api.Storage.Mongo;
using UserAuth.Api.Storage.Sqlite;

namespace UserAuth.Api.Features.Attributes;

internal static class AttributesFeature
{
    private static int exampleRegistered;

    /// <summary>Typed user attributes: definitions, values (encrypted at rest where asked), filtering by conditions.</summary>
    public static WebApplicationBuilder AddUserAuthAttributes(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AttributeEncryptionOptions>()
            .BindConfiguration(AttributeEncryptionOptions.Section)
            .Validate(o => !o.Problems().Any(),
                "Attributes:Encryption is invalid: Keys [{Id, Key}] (Key: base64 of 32 random bytes) need an ActiveKeyId naming " +
                "one of them; HashKey, when set, is base64 of 32 random bytes. Leave all unset to derive them from Secrets:EncryptionKey.")
            .ValidateOnStart();
        builder.Services.AddSingleton<AttributeCipher>();
        builder.Services.AddSingleton<AttributeDefinitionService>();
        builder.Services.AddSingleton<UserAttributeService>();
        builder.Services.AddSingleton<IUserAttributeQuery, AttributeConditions>();
        builder.Services.AddSingleton<IUserStateListener, UserAttributeLifecycle>();
        builder.AddStore<IAttributeStore, SqliteAttributeStore, MongoAttributeStore>();

        if (Interlocked.Exchange(ref exampleRegistered, 1) == 0)
        {
            ReferenceExamplesSchemaFilter.Add(nameof(UserAttributeDefinitionResponse), DefinitionExample);
            ReferenceExamplesSchemaFilter.Add(nameof(CreateUserAttributeDefinition), CreateDefinitionExample);
        }

        return builder;
    }

    /// <summary>The reference's example of createUserAttributeDefinition's answer (USER.md).</summary>
    private const string DefinitionExample = """
        {"_id": "5e68af49cfa09bf7233022f1", "name": "example_name", "slug": "example_key", "description": "example_description",
         "application_id": "application_id_example", "type": "string", "multi_value": false, "customer_editable": true,
         "encrypted": false, "pinned": true, "pin_order": 2, "validations": [{"type": "min", "value": 1}], "is_locked": false,
         "created_by": "5f6d1d7774e48a04969b2ea7", "updated_by": "5f6d1d7774e48a04969b2ea7",
         "created_at": "2023-10-17T10:00:00Z", "modified_at": "2023-10-17T10:05:00Z"}
        """;

    /// <summary>The request fields of the reference's example.</summary>
    private const string CreateDefinitionExample = """
        {"name": "example_name", "slug": "example_key", "description": "example_description", "type": "string",
         "multi_value": false, "customer_editable": true, "encrypted": false, "pinned": true, "pin_order": 2,
         "validations": [{"type": "min", "value": 1}]}
        """;
}
