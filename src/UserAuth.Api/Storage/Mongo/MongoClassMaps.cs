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
