using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;

namespace UserAuth.Tests.Fuzz;

/// <summary>
/// A generated request. Path parameters left as <c>{name}</c> are filled at run time with the ids of the entities the
/// suite seeded (a real user, group, attribute definition, job); the others were generated (and may be hostile).
/// </summary>
public sealed record FuzzRequest(RouteOperation Operation, string Path, string? ContentType, string? Body, bool Mutated)
{
    /// <summary>What is printed for a failing case (bodies cut to 600 characters).</summary>
    public override string ToString() =>
        $"{Operation.Method} {Path}\ncontent-type: {ContentType ?? "(none)"}\n{(Body is null ? "(no body)" : Body.Length > 600 ? Body[..600] + $"... ({Body.Length} chars)" : Body)}";
}

/// <summary>
/// Requests for every operation of the OpenAPI document, built from its schemas and then mutated: wrong types,
/// boundary numbers, huge and deep values, unicode edge cases (NUL, lone surrogates, RTL marks, combining marks),
/// duplicate keys, unknown keys, broken JSON and wrong content types. JSON is produced as text, so that what a
/// serializer would refuse to write (duplicate keys, lone surrogate escapes) can be sent.
/// </summary>
public static class HostileRequests
{
    private const int MaxDepth = 4;

    /// <summary>JSON string literals that are valid JSON but hostile content.</summary>
    private static readonly string[] HostileStrings =
    [
        "\"\"", "\" \"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"\\udfff\"", "\"x\\ud800y\"", "\"\\udc00\\ud800\"",
        "\"\u202Eevil\u202C\"", "\"\u200F\u200F\"", "\"\u200B\"", "\"\uFEFFbom\"", "\"e" + string.Concat(Enumerable.Repeat("\u0301", 200)) + "\"",
        "\"\U0001F600\"", "\"a\\n\"", "\"\\t\\r\"", "\"\\u001f\"", "\"\\u007f\"", "\"12\"", "\"-1\"", "\"null\"", "\"true\"", "\"1e400\"",
        "\"../../etc/passwd\"", "\"<script>alert(1)</script>\"", "\"' OR 1=1 --\"", "\"{\\\"$gt\\\":\\\"\\\"}\"", "\"$where\"",
        "\"a.b\"", "\"%00\"", "\"\\\\\"", "\"\\/\"", "\"http://169.254.169.254/latest\"", "\"file:///etc/passwd\"",
        "\"+919876543210\"", "\"riya@example.com\"", "\"2020-02-30T25:61:00Z\"", "\"0001-01-01T00:00:00Z\"",
        "\"9999-12-31T23:59:59.9999999Z\"", "\"\\u0130\\u0131\"", "\"\u00DF\"", "\"A\u030A\"", "\"\uFFFF\uFFFF\"",
    ];

    private static readonly string[] BoundaryNumbers =
    [
        "0", "-0", "1", "-1", "2147483647", "2147483648", "-2147483648", "-2147483649", "9223372036854775807",
        "9223372036854775808", "-9223372036854775809", "1e308", "1e309", "-1e309", "1.5", "0.1", "1E2", "1e-400",
        "123456789012345678901234567890", "4294967296", "65536", "101", "100", "1000001",
    ];

    private static readonly string[] BrokenBodies =
        ["", "{", "}", "[", "null", "[]", "\"\"", "0", "true", "<a/>", "{\"a\":}", "{'a':1}", "{\"a\":1,}", "/* c */{}", "{\"a\" 1}",
         "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":0x10}", "{\"a\":+1}", "{\"a\":.5}", "\uFEFF{}", "{}garbage", "{}{}", "\u0000"];

    private static readonly string?[] WrongContentTypes =
    [
        null, "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz",
        "application/json; charset=utf-16", "application/json; charset=latin1", "application/merge-patch+json", "*/*",
        "application/json; charset=\"", "application/jsonx",
    ];

    /// <summary>Hostile path segments. No <c>%00</c>: the in-memory test server cannot carry it (Kestrel refuses it
    /// before the service, with the error body: <c>KestrelRejectionTests</c>).</summary>
    private static readonly string[] HostilePathValues =
    [
        "%01", "..", "%2e%2e", "null", "-1", "0", "99999999999999999999999", new string('a', 300), "%F0%9F%98%80", "a%20b", "%24gt",
        "%E2%80%AE", "%C0%AF", "000000000000000000000000", "ffffffffffffffffffffffff", "%u0000", "%2F", "a%2Fb", "%5C",
    ];

    private static readonly string[] HostileQueryValues =
    [
        "", "%00", "0x10", "1e3", "-1", "0", "1.5", "99999999999", "2147483648", "%E2%80%AE", "%F0%9F%98%80", "%ED%A0%80",
        "true", "null", "%27%20OR%201%3D1", new string('q', 10_000), "a%0Ab", "%2B919876543210", "riya%40example.com",
    ];

    private static Gen<string> Literal(params string[] values) => Gen.OneOf(values);

    private static Gen<int> Percent => Gen.Int[0, 99];

    /// <summary>A generated request for one of <paramref name="routes"/>' operations.</summary>
    public static Gen<FuzzRequest> For(OpenApiRoutes routes)
    {
        var perOperation = routes.Operations.Select(operation => Request(routes, operation)).ToArray();
        return Gen.Int[0, perOperation.Length - 1].SelectMany(index => perOperation[index]);
    }

    private static Gen<FuzzRequest> Request(OpenApiRoutes routes, RouteOperation operation) =>
        from path in PathOf(operation)
        from query in QueryOf(routes, operation)
        from body in BodyOf(routes, operation)
        select new FuzzRequest(operation, path.Text + query.Text, body.ContentType, body.Text, path.Mutated || query.Mutated || body.Mutated);

    private static Gen<(string Text, bool Mutated)> PathOf(RouteOperation operation)
    {
        Gen<(string Text, bool Mutated)> path = Gen.Const((operation.Path, false));
        foreach (var parameter in operation.Parameters.Where(p => p.In == "path"))
        {
            var token = "{" + parameter.Name + "}";
            Gen<string?> value = parameter.Name switch
            {
                "company_id" => Gen.Frequency((92, Gen.Const((string?)null)), (8, Gen.OneOf<string?>("2002", "abc!", "a%01", new string('1', 33), "%2E")) ),
                "application_id" => Gen.Frequency((90, Gen.Const((string?)null)), (5, HexId.Select(s => (string?)s)),
                    (5, Gen.OneOf<string?>("zz", "0000000000000000000000001", "%E2%80%AE00000000000000000000000", "%01"))),
                _ => Gen.Frequency((75, Gen.Const((string?)null)), (10, HexId.Select(s => (string?)s)),
                    (15, Gen.OneOf(HostilePathValues).Select(s => (string?)s))),
            };
            path = from p in path
                   from v in value
                   select v is null ? p : (p.Text.Replace(token, v, StringComparison.Ordinal), true);
        }

        return path;
    }

    private static Gen<string> HexId => Gen.Int[0, int.MaxValue].Select(n => n.ToString("x8", CultureInfo.InvariantCulture) + "0000000000000000");

    private static Gen<(string Text, bool Mutated)> QueryOf(OpenApiRoutes routes, RouteOperation operation)
    {
        Gen<(List<string> Parts, bool Mutated)> query = Gen.Const((new List<string>(), false));
        foreach (var parameter in operation.Parameters.Where(p => p.In == "query"))
        {
            var schema = routes.Resolve(parameter.Schema);
            var type = TypeOf(schema);
            Gen<(string? Value, bool Mutated)> valid = type switch
            {
                "integer" => Gen.Int[1, 20].Select(n => ((string?)n.ToString(CultureInfo.InvariantCulture), false)),
                "boolean" => Gen.OneOf("true", "false").Select(s => ((string?)s, false)),
                _ => Word.Select(s => ((string?)s, false)),
            };
            var hostile = Gen.OneOf(HostileQueryValues).Select(s => ((string?)s, true));
            var absent = Gen.Const(((string?)null, false));
            Gen<(string? Value, bool Mutated)> value = Gen.Frequency((parameter.Required ? 0 : 45, absent), (40, valid), (15, hostile));
            var repeats = type == "array" ? Gen.Int[1, 3] : Gen.Frequency((95, Gen.Const(1)), (5, Gen.Const(2)));
            query = from q in query
                    from count in repeats
                    from values in value.Array[count]
                    select (q.Parts.Concat(values.Where(v => v.Value is not null).Select(v => $"{parameter.Name}={v.Value}")).ToList(),
                        q.Mutated || count > 1 || values.Any(v => v.Mutated));
        }

        return from q in query
               from unknown in Percent
               let parts = unknown < 5 ? q.Parts.Append("zz_unknown=1").ToList() : q.Parts
               select (parts.Count == 0 ? "" : "?" + string.Join('&', parts), q.Mutated || unknown < 5);
    }

    private static Gen<(string? ContentType, string? Text, bool Mutated)> BodyOf(OpenApiRoutes routes, RouteOperation operation)
    {
        if (operation.ContentType is null)
        {
            // No body declared: mostly none, sometimes one anyway.
            return Gen.Frequency(
                (90, Gen.Const<(string?, string?, bool)>((null, null, false))),
                (10, AnyJson(0).Select(json => ((string?)"application/json", (string?)json, true))));
        }

        Gen<(string Text, bool Mutated)> valid = operation.ContentType switch
        {
            "application/x-www-form-urlencoded" => Form(routes, operation.BodySchema),
            "multipart/form-data" => Gen.Const(("--FUZZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"u.csv\"\r\nContent-Type: text/csv\r\n\r\n" +
                                                "username,phone_number\r\nfuzz_user,9876500001\r\n--FUZZ--\r\n", false)),
            _ => operation.BodySchema is { } schema ? Value(routes, schema, null, 0) : AnyJson(0).Select(j => (j, true)),
        };
        var contentType = operation.ContentType == "multipart/form-data" ? "multipart/form-data; boundary=FUZZ" : operation.ContentType;

        return from body in valid
               from broken in Percent
               from brokenBody in Gen.OneOf(BrokenBodies)
               from cut in Gen.Int[0, 1000]
               from typeRoll in Percent
               from wrongType in Gen.OneOf(WrongContentTypes)
               let text = broken switch
               {
                   < 4 => brokenBody,
                   < 7 => body.Text[..Math.Min(body.Text.Length, cut % (body.Text.Length + 1))],
                   _ => body.Text,
               }
               let type = typeRoll < 8 ? wrongType : contentType
               select (type, (string?)text, body.Mutated || broken < 7 || typeRoll < 8);
    }

    private static Gen<(string Text, bool Mutated)> Form(OpenApiRoutes routes, JsonElement? schema)
    {
        var fields = schema is { } s ? routes.Resolve(s).GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList() : [];
        Gen<(List<string> Parts, bool Mutated)> form = Gen.Const((new List<string>(), false));
        foreach (var field in fields)
        {
            var valid = field switch
            {
                "grant_type" => Gen.OneOf("client_credentials", "password", "authorization_code"),
                "client_id" => Gen.OneOf("tests-main", "nobody", "tests-other"),
                "client_secret" => Gen.OneOf("main-secret-123", "wrong"),
                _ => Word,
            };
            form = from f in form
                   from roll in Percent
                   from v in valid
                   from h in Gen.OneOf(HostileQueryValues)
                   select roll switch
                   {
                       < 30 => f,
                       < 88 => (f.Parts.Append($"{field}={v}").ToList(), f.Mutated),
                       _ => (f.Parts.Append($"{field}={h}").ToList(), true),
                   };
        }

        return form.Select(f => (string.Join('&', f.Parts), f.Mutated));
    }

    /// <summary>A JSON value for <paramref name="schema"/>, or (rarely) a hostile one of any type.</summary>
    private static Gen<(string Text, bool Mutated)> Value(OpenApiRoutes routes, JsonElement schema, string? property, int depth)
    {
        var resolved = routes.Resolve(schema);
        var typed = Typed(routes, resolved, property, depth);
        var wrong = (depth < MaxDepth ? AnyJson(depth) : Scalar).Select(j => (j, true));
        return Gen.Frequency((14, typed), (1, wrong));
    }

    private static string? TypeOf(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type) ? type.GetString()
        : schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out _) ? "object"
        : null;

    private static Gen<(string Text, bool Mutated)> Typed(OpenApiRoutes routes, JsonElement schema, string? property, int depth)
    {
        switch (TypeOf(schema))
        {
            case "object" when schema.TryGetProperty("properties", out var properties) && depth < MaxDepth:
                return ObjectOf(routes, schema, properties, depth);
            case "object":
                return FreeObject(depth).Select(j => (j, false));
            case "array" when depth < MaxDepth:
                var items = schema.TryGetProperty("items", out var itemSchema) ? itemSchema : default;
                return from count in Gen.Frequency((90, Gen.Int[0, 3]), (10, Gen.Int[4, 40]))
                       from values in (items.ValueKind == JsonValueKind.Undefined ? AnyJson(depth + 1).Select(j => (j, false))
                           : Value(routes, items, property, depth + 1)).Array[count]
                       select ("[" + string.Join(',', values.Select(v => v.Item1)) + "]", values.Any(v => v.Item2));
            case "array":
                return Gen.Const(("[]", false));
            case "integer":
            case "number":
                return Gen.Frequency((70, Gen.Int[0, 100].Select(n => (n.ToString(CultureInfo.InvariantCulture), false))),
                    (30, Gen.OneOf(BoundaryNumbers).Select(n => (n, true))));
            case "boolean":
                return Gen.OneOf("true", "false").Select(b => (b, false));
            case "string":
                var enumValues = schema.TryGetProperty("enum", out var e) ? e.EnumerateArray().Select(v => JsonSerializer.Serialize(v.GetString())).ToArray() : [];
                var plausible = enumValues.Length > 0 ? Gen.OneOf(enumValues) : PlausibleString(property);
                return Gen.Frequency((78, plausible.Select(s => (s, false))), (20, Gen.OneOf(HostileStrings).Select(s => (s, true))),
                    (2, HugeString.Select(s => (s, true))));
            default:
                // Free-form (meta and the like): any JSON, sometimes deep or wide.
                return FreeObject(depth).Select(j => (j, false));
        }
    }

    private static Gen<(string Text, bool Mutated)> ObjectOf(OpenApiRoutes routes, JsonElement schema, JsonElement properties, int depth)
    {
        var required = schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!).ToHashSet() : [];
        Gen<(List<string> Members, bool Mutated)> members = Gen.Const((new List<string>(), false));
        foreach (var property in properties.EnumerateObject())
        {
            var name = property.Name;
            var isRequired = required.Contains(name);
            var value = Value(routes, property.Value, name, depth + 1);
            members = from m in members
                      from roll in Percent
                      from v in value
                      from duplicate in Value(routes, property.Value, name, depth + 1)
                      let include = isRequired ? roll < 95 : roll < 45
                      let dup = include && roll % 20 == 7
                      select !include ? (m.Members, m.Mutated || isRequired)
                          : dup ? (m.Members.Append($"{JsonSerializer.Serialize(name)}:{v.Text}").Append($"{JsonSerializer.Serialize(name)}:{duplicate.Text}").ToList(), true)
                          : (m.Members.Append($"{JsonSerializer.Serialize(name)}:{v.Text}").ToList(), m.Mutated || v.Mutated);
        }

        return from m in members
               from unknown in Percent
               from key in Gen.OneOf("\"zz_unknown\":1", "\"__proto__\":{\"a\":1}", "\"$set\":{\"a\":1}", "\"_id\":\"x\"", "\"\":1", "\"a.b\":1", "\"\\u0000\":1")
               let all = unknown < 6 ? m.Members.Append(key).ToList() : m.Members
               select ("{" + string.Join(',', all) + "}", m.Mutated || unknown < 6);
    }

    private static Gen<string> Word => Gen.Int[0, int.MaxValue].Select(n => "fz" + n.ToString("x", CultureInfo.InvariantCulture));

    private static Gen<string> PlausibleString(string? property) => property switch
    {
        "phone_number" or "mobile" or "phone" => Gen.Int[0, 99_999_999].Select(n => $"\"98{n:D8}\""),
        "email" => Word.Select(w => $"\"{w}@example.com\""),
        "country_code" => Gen.OneOf("\"91\"", "\"1\"", "\"+91\""),
        "gender" => Gen.OneOf("\"male\"", "\"female\"", "\"unisex\""),
        "type" => Gen.OneOf("\"string\"", "\"number\"", "\"boolean\"", "\"date\"", "\"json\"", "\"bulk\"", "\"conditional\"", "\"csv\"", "\"xlsx\""),
        "domain" => Gen.OneOf("\"shop.example.com\"", "\"example.org\""),
        "file_url" or "url" => Gen.OneOf("\"https://files.example.com/u.csv\"", "\"http://127.0.0.1:1/u.csv\""),
        "slug" or "username" or "name" => Word.Select(w => $"\"{w}\""),
        _ => Word.Select(w => $"\"{w}\""),
    };

    private static Gen<string> HugeString => Gen.OneOf(
        "\"" + new string('a', 70_000) + "\"",
        "\"" + string.Concat(Enumerable.Repeat("\U0001F600", 20_000)) + "\"",
        "\"" + string.Concat(Enumerable.Repeat("\\u0000", 5_000)) + "\"",
        "\"" + new string('b', 1_100_000) + "\"");

    private static Gen<string> Scalar => Gen.Frequency(
        (3, Gen.OneOf(BoundaryNumbers)),
        (3, Gen.OneOf(HostileStrings)),
        (1, Gen.OneOf("true", "false", "null")));

    /// <summary>Any JSON value: scalars, and at shallow depth arrays and objects, deep nests and wide ones.</summary>
    private static Gen<string> AnyJson(int depth) => depth >= MaxDepth ? Scalar : Gen.Frequency(
        (6, Scalar),
        (2, AnyJson(depth + 1).Array[0, 3].Select(items => "[" + string.Join(',', items) + "]")),
        (2, FreeObject(depth)),
        (1, Gen.Int[1, 3000].Select(n => new string('[', n) + new string(']', n))),
        (1, Gen.Int[1, 3000].Select(n => string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n))),
        (1, Gen.Int[100, 20_000].Select(n => "[" + string.Join(',', Enumerable.Repeat("1", n)) + "]")));

    private static Gen<string> FreeObject(int depth) => depth >= MaxDepth
        ? Gen.Const("{}")
        : Gen.Frequency(
            (6, Gen.Select(Word, depth + 1 < MaxDepth ? AnyJson(depth + 1) : Scalar, (k, v) => (k, v)).Array[0, 4]
                .Select(members => "{" + string.Join(',', members.Select(m => $"\"{m.k}\":{m.v}")) + "}")),
            (1, Gen.Int[1, 120].Select(n => string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n))),
            (1, Gen.Int[100, 6000].Select(n => "{" + string.Join(',', Enumerable.Range(0, n).Select(i => $"\"k{i}\":{i}")) + "}")),
            (1, Gen.Const("{\"a\":1,\"a\":2}")),
            (1, Gen.Const("{\"$where\":\"1\",\"a.b\":{\"$gt\":\"\"}}")));

    /// <summary>The JSON text, for building bodies by hand in tests.</summary>
    public static string Quote(string text) => JsonSerializer.Serialize(text);

    internal static string Utf8Length(string text) => Encoding.UTF8.GetByteCount(text).ToString(CultureInfo.InvariantCulture);
}
