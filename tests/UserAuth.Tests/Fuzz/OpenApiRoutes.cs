using System.Text.Json;

namespace UserAuth.Tests.Fuzz;

/// <summary>One parameter of an operation, as the OpenAPI document declares it.</summary>
public sealed record RouteParameter(string Name, string In, JsonElement Schema, bool Required);

/// <summary>One operation of the committed OpenAPI document (<c>docs/openapi.json</c>).</summary>
public sealed record RouteOperation(
    string Method,
    string Path,
    IReadOnlyList<RouteParameter> Parameters,
    string? ContentType,
    JsonElement? BodySchema)
{
    public override string ToString() => $"{Method} {Path}";
}

/// <summary>The committed OpenAPI document: every operation with its parameters and body schema, and <c>$ref</c> resolution.</summary>
public sealed class OpenApiRoutes
{
    private readonly JsonElement root;

    private OpenApiRoutes(JsonElement root)
    {
        this.root = root;
        var operations = new List<RouteOperation>();
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var verb in path.Value.EnumerateObject())
            {
                var parameters = verb.Value.TryGetProperty("parameters", out var list)
                    ? list.EnumerateArray().Select(p => new RouteParameter(
                        p.GetProperty("name").GetString()!,
                        p.GetProperty("in").GetString()!,
                        p.TryGetProperty("schema", out var schema) ? schema : default,
                        p.TryGetProperty("required", out var required) && required.GetBoolean())).ToList()
                    : [];
                string? contentType = null;
                JsonElement? body = null;
                if (verb.Value.TryGetProperty("requestBody", out var requestBody))
                {
                    var content = requestBody.GetProperty("content").EnumerateObject().First();
                    contentType = content.Name;
                    body = content.Value.TryGetProperty("schema", out var schema) ? schema : null;
                }

                operations.Add(new RouteOperation(verb.Name.ToUpperInvariant(), path.Name, parameters, contentType, body));
            }
        }

        Operations = operations;
    }

    public IReadOnlyList<RouteOperation> Operations { get; }

    public static OpenApiRoutes Load() =>
        new(JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "openapi.json"))).RootElement.Clone());

    /// <summary>The schema itself, or the one its <c>$ref</c> names.</summary>
    public JsonElement Resolve(JsonElement schema)
    {
        for (var hops = 0; hops < 16 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference); hops++)
        {
            var name = reference.GetString()!["#/components/schemas/".Length..];
            schema = root.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }

        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("allOf", out var all) && all.GetArrayLength() == 1)
        {
            return Resolve(all[0]);
        }

        return schema;
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "UserAuth.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("no UserAuth.sln above the test assembly");
    }
}
