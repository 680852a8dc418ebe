using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using UserAuth.Api.Features.Attributes;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.PlatformConfig;

namespace UserAuth.Api.Storage.Mongo;

/// <summary>Class maps for this project's stored types, registered once (string ids are ObjectIds by convention).</summary>
internal static class MongoClassMaps
{
    private static readonly Lock Gate = new();
    private static bool registered;

    public static void Register()
    {
        lock (Gate)
        {
            if (registered)
            {
                return;
            }

            MongoConventions.Register();
            BsonClassMap.RegisterClassMap<User>(map =>
            {
                map.AutoMap();
                map.MapMember(u => u.Version).SetElementName("__v");
                map.MapMember(u => u.Meta).SetSerializer(JsonTextSerializer.Instance);
            });
            BsonSerializer.RegisterSerializer(new MongoUserSerializer(
                new BsonClassMapSerializer<User>(BsonClassMap.LookupClassMap(typeof(User)))));
            BsonClassMap.RegisterClassMap<UserPhone>(map =>
            {
                map.AutoMap();
                map.UnmapMember(p => p.E164);
            });
            BsonClassMap.RegisterClassMap<PlatformConfigDocument>(map =>
            {
                map.AutoMap();
                map.MapMember(c => c.Version).SetElementName("__v");
                map.MapMember(c => c.Meta).SetSerializer(JsonTextSerializer.Instance);
            });
            BsonClassMap.RegisterClassMap<AttributeDefinition>(map =>
            {
                map.AutoMap();
                map.MapMember(d => d.Version).SetElementName("__v");
            });
            BsonClassMap.RegisterClassMap<AttributeValidation>(map =>
            {
                map.AutoMap();
                map.MapMember(v => v.Value).SetSerializer(JsonTextSerializer.Instance);
            });
            BsonClassMap.RegisterClassMap<UserAttribute>(map => map.AutoMap());
            registered = true;
        }
    }
}

/// <summary>Keeps a JSON text (any JSON value) as the equivalent BSON value, so MongoDB can query inside it.</summary>
internal sealed class JsonTextSerializer : SerializerBase<string?>
{
    public static readonly JsonTextSerializer Instance = new();

    public override void Serialize(BsonSerializationContext context, BsonSerializationArgs args, string? value)
    {
        if (value is null)
        {
            context.Writer.WriteNull();
            return;
        }

        using var reader = new JsonReader(value);
        var bson = BsonValueSerializer.Instance.Deserialize(BsonDeserializationContext.CreateRoot(reader));
        BsonValueSerializer.Instance.Serialize(context, bson);
    }

    public override string? Deserialize(BsonDeserializationContext context, BsonDeserializationArgs args)
    {
        var bson = BsonValueSerializer.Instance.Deserialize(context);
        return bson.IsBsonNull ? null : bson.ToJson(new JsonWriterSettings { OutputMode = JsonOutputMode.RelaxedExtendedJson });
    }
}

/// <summary>
/// A user as the users collection holds it: the class map's fields plus what only this store needs, derived here from
/// the user's values: the lower-case username and names the prefix indexes cover, and the identity keys the unique
/// index holds. Reading ignores those (the class map ignores extra elements).
/// </summary>
internal sealed class MongoUserSerializer(BsonClassMapSerializer<User> map) : SerializerBase<User>, IBsonDocumentSerializer, IBsonIdProvider
{
    public const string UsernameKey = "username_lc";
    public const string FirstNameKey = "first_name_lc";
    public const string LastNameKey = "last_name_lc";
    public const string IdentityKeysField = "identity_keys";

    public override void Serialize(BsonSerializationContext context, BsonSerializationArgs args, User value)
    {
        var document = new BsonDocument();
        using (var writer = new BsonDocumentWriter(document))
        {
            map.Serialize(BsonSerializationContext.CreateRoot(writer), args, value);
        }

        document[UsernameKey] = CustomerFilter.SearchKey(value.Username);
        if (CustomerFilter.SearchKey(value.FirstName) is { } first)
        {
            document[FirstNameKey] = first;
        }

        if (CustomerFilter.SearchKey(value.LastName) is { } last)
        {
            document[LastNameKey] = last;
        }

        document[IdentityKeysField] = new BsonArray(value.IdentityKeys);
        BsonDocumentSerializer.Instance.Serialize(context, document);
    }

    public override User Deserialize(BsonDeserializationContext context, BsonDeserializationArgs args) => map.Deserialize(context, args);

    public bool TryGetMemberSerializationInfo(string memberName, out BsonSerializationInfo serializationInfo) =>
        map.TryGetMemberSerializationInfo(memberName, out serializationInfo);

    public bool GetDocumentId(object document, out object id, out Type idNominalType, out IIdGenerator idGenerator) =>
        map.GetDocumentId(document, out id, out idNominalType, out idGenerator);

    public void SetDocumentId(object document, object id) => map.SetDocumentId(document, id);
}
