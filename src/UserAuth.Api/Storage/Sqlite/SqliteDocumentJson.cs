using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace UserAuth.Api.Storage.Sqlite;

/// <summary>
/// The on-disk format of the <c>doc</c> column of the SQLite stores: fixed here, independent of the API's JSON options
/// (<c>JsonDefaults</c>), so a change to the wire cannot change or break what is stored. snake_case names, no nulls,
/// enums as snake_case strings, dates as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>. Each store holds its own instance. Changing
/// this format needs a migration of stored rows; <c>SqliteGoldenRowTests</c> reads rows written in it.
/// </summary>
internal static class SqliteDocumentJson
{
    public static JsonSerializerOptions Create() => new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
        Converters =
        {
            new StoredDateConverter(),
            new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false),
        },
    };

    /// <summary>UTC with milliseconds: <c>2020-03-11T09:28:41.982Z</c>.</summary>
    private sealed class StoredDateConverter : JsonConverter<DateTime>
    {
        private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTime.SpecifyKind(DateTime.Parse(reader.GetString()!, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc);

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToUniversalTime().ToString(Format, CultureInfo.InvariantCulture));
    }
}
