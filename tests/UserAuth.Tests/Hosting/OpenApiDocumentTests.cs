using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using UserAuth.Api.Hosting;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Hosting;

/// <summary>
/// The OpenAPI document is a contract for integrators: operationIds are the official client's method names, request
/// schemas say what validation enforces, and the served document equals the committed <c>docs/openapi.json</c>.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed partial class OpenApiDocumentTests(SqliteApiFixture fixture)
{
    /// <summary>The one command that rewrites docs/openapi.json from the served document.</summary>
    public const string RegenerateCommand = "bash scripts/update-openapi.sh";

    private const string Prefix = "/service/platform/user/v1.0/company/{company_id}/application/{application_id}";

    private static readonly string[] Verbs = ["get", "put", "post", "delete", "patch"];

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "UserAuth.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("UserAuth.sln not found above " + AppContext.BaseDirectory);
    }

    private async Task<string> ServedAsync()
    {
        var http = fixture.Anonymous();
        var text = await (await http.GetAsync("/swagger/v1/swagger.json")).Content.ReadAsStringAsync();
        return Normalize(text);
    }

    /// <summary>Indented, with non-ASCII as is and "\n" line ends: the committed file's form.</summary>
    private static string Normalize(string json) =>
        JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }).ReplaceLineEndings("\n") + "\n";

    private static IEnumerable<(string Path, string Verb, JsonElement Operation)> Operations(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from op in path.Value.EnumerateObject()
        where Verbs.Contains(op.Name)
        select (path.Name, op.Name, op.Value);

    [Fact]
    public async Task The_served_document_equals_docs_openapi_json()
    {
        var served = await ServedAsync();
        var file = Path.Combine(RepoRoot(), "docs", "openapi.json");
        if (Environment.GetEnvironmentVariable("USERAUTH_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(file, served);
            return;
        }

        var committed = File.Exists(file) ? (await File.ReadAllTextAsync(file)).ReplaceLineEndings("\n") : "";
        if (committed == served)
        {
            return;
        }

        var a = committed.Split('\n');
        var b = served.Split('\n');
        var line = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], Math.Min(a.Length, b.Length));
        Assert.Fail($"The served OpenAPI document differs from docs/openapi.json (first at line {line + 1}: " +
                    $"committed `{(line < a.Length ? a[line].Trim() : "(end)")}`, served `{(line < b.Length ? b[line].Trim() : "(end)")}`). " +
                    $"If the API change is intended, regenerate it with `{RegenerateCommand}` and commit docs/openapi.json.");
    }

    [Fact]
    public async Task Every_operation_has_a_unique_camelCase_id_and_client_routes_carry_the_client_method_name()
    {
        var document = JsonDocument.Parse(await ServedAsync()).RootElement;
        var problems = new List<string>();
        var ids = new Dictionary<string, string>();
        var clientNames = ClientOperations.All.ToDictionary(o => $"{o.Verb} {Prefix}{o.Path}", o => o.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var (path, verb, op) in Operations(document))
        {
            var where = $"{verb.ToUpperInvariant()} {path}";
            if (!op.TryGetProperty("operationId", out var idElement))
            {
                problems.Add($"{where} has no operationId: name its action with [EndpointName(\"camelCaseName\")] " +
                             "(or, for a method of the official client, add its route to ClientOperations in Hosting/OpenApiContract.cs)");
                continue;
            }

            var id = idElement.GetString()!;
            if (!CamelCase().IsMatch(id))
            {
                problems.Add($"{where}: operationId '{id}' is not camelCase");
            }

            if (ids.TryGetValue(id, out var other))
            {
                problems.Add($"{where}: operationId '{id}' is also used by {other}");
            }

            ids[id] = where;
            if (clientNames.TryGetValue(where, out var clientName) && clientName != id)
            {
                problems.Add($"{where}: operationId '{id}' is not the client's method name '{clientName}'");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // The routes served today; operations added later are covered by the checks above.
        foreach (var name in new[] { "createUser", "updateUser", "getCustomers", "searchUsers", "blockOrUnblockUsers", "archiveUser",
                     "unDeleteUser", "getUserTimeline", "createUserSession", "getActiveSessions", "deleteSession",
                     "deleteActiveSessions", "getPlatformConfig", "updatePlatformConfig", "deleteUser", "verifyUserSession", "getAccessToken" })
        {
            Assert.True(ids.ContainsKey(name), $"no operation {name}");
        }
    }

    [Fact]
    public void The_client_operation_table_matches_the_official_clients()
    {
        var modules = Path.Combine(RepoRoot(), "tests", "e2e", "node_modules");
        var sources = new[] { "@gofynd/fdk-client-javascript", "fdk-client-javascript-3" }
            .Select(p => Path.Combine(modules, p, "sdk", "platform", "User", "UserPlatformApplicationClient.js"))
            .ToList();
        if (!sources.All(File.Exists))
        {
            Assert.Skip("The official clients are not installed (run `npm ci` in tests/e2e; .ci/run does).");
        }

        var fromClients = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            foreach (Match m in ClientMethod().Matches(File.ReadAllText(source)))
            {
                var path = ClientPathParameter().Replace(m.Groups["path"].Value,
                    p => "{" + JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Groups[1].Value) + "}");
                fromClients.Add($"{m.Groups["verb"].Value.ToUpperInvariant()} {path} {m.Groups["name"].Value}");
            }
        }

        var table = new SortedSet<string>(ClientOperations.All.Select(o => $"{o.Verb} {o.Path} {o.Name}"), StringComparer.Ordinal);
        Assert.Equal(37, fromClients.Count);
        Assert.Equal(fromClients, table);
    }

    [Fact]
    public async Task Tenant_path_parameters_are_described_and_come_first()
    {
        var document = JsonDocument.Parse(await ServedAsync()).RootElement;
        foreach (var (path, verb, op) in Operations(document).Where(o => o.Path.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var parameters = op.GetProperty("parameters").EnumerateArray().ToList();
            var where = $"{verb} {path}";
            Assert.True(parameters.Count >= 2, where);
            Assert.Equal("company_id", parameters[0].GetProperty("name").GetString());
            Assert.Equal("application_id", parameters[1].GetProperty("name").GetString());
            foreach (var p in parameters.Take(2))
            {
                Assert.False(string.IsNullOrWhiteSpace(p.GetProperty("description").GetString()), where);
                Assert.True(p.TryGetProperty("example", out _), where);
            }

            Assert.Contains("24 hexadecimal digits", parameters[1].GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.Equal("^[0-9a-fA-F]{24}$", parameters[1].GetProperty("schema").GetProperty("pattern").GetString());
            var locations = parameters.Select(p => p.GetProperty("in").GetString()).ToList();
            Assert.True(locations.SkipWhile(l => l == "path").All(l => l != "path"), $"{where}: a path parameter after a query parameter");
        }
    }

    [Fact]
    public async Task The_documented_examples_of_the_tenant_parameters_work()
    {
        var http = await fixture.ClientAsync();
        // The examples are the Development client's company ("1"); the test client's company differs, the application
        // id does not: the example id passes the route's own check.
        var body = await http.GetJsonAsync($"{Http.App(TenantParametersOperationFilter.ExampleApplicationId)}/customers/list");
        Assert.Equal(JsonValueKind.Array, body.GetProperty("items").ValueKind);
        Assert.Equal(SwaggerExtensions.DevTokenCompany, TenantParametersOperationFilter.ExampleCompanyId);
    }

    [Fact]
    public async Task Request_schemas_require_what_validation_requires_and_accept_unknown_properties()
    {
        var document = JsonDocument.Parse(await ServedAsync()).RootElement;
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var create = schemas.GetProperty("CreateUserRequestSchema");
        var required = create.GetProperty("required").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["phone_number", "username"], required.Order().ToList());
        foreach (var name in required)
        {
            Assert.False(create.GetProperty("properties").GetProperty(name!).TryGetProperty("nullable", out var n) && n.GetBoolean(),
                $"{name} is required but marked nullable");
        }

        Assert.True(create.GetProperty("properties").GetProperty("email").GetProperty("nullable").GetBoolean());
        foreach (var schema in schemas.EnumerateObject())
        {
            Assert.False(schema.Value.TryGetProperty("additionalProperties", out var ap) && ap.ValueKind == JsonValueKind.False,
                $"{schema.Name} claims additionalProperties: false, but unknown properties are accepted");
        }

        // What the schema says is what the API does: unknown properties are ignored, a missing username is refused.
        var http = await fixture.ClientAsync();
        var app = Http.App(ApiFixture.NewApplicationId());
        await http.PostJsonAsync($"{app}/customers",
            new { username = "openapi_extra", phone_number = "+91 90000 11111", not_in_the_schema = 1 });
        var refused = await http.PostJsonAsync($"{app}/customers", new { phone_number = "+91 90000 22222" }, HttpStatusCode.BadRequest);
        Assert.Contains(refused.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "username");
    }

    [Fact]
    public async Task The_Swagger_example_user_is_not_the_README_curl_user()
    {
        // "Try it out" right after the README's createUser curl must not answer 409.
        var document = JsonDocument.Parse(await ServedAsync()).RootElement;
        var example = document.GetProperty("components").GetProperty("schemas").GetProperty("CreateUserRequestSchema").GetProperty("example");
        var readme = await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "README.md"));
        var curl = ReadmeCreateUser().Match(readme);
        Assert.True(curl.Success, "README.md has no createUser curl with a JSON body");
        var body = JsonDocument.Parse(curl.Groups[1].Value).RootElement;
        static string Digits(string phone) => new string(phone.Where(char.IsAsciiDigit).ToArray())[^10..];
        Assert.NotEqual(example.GetProperty("username").GetString(), body.GetProperty("username").GetString());
        Assert.NotEqual(example.GetProperty("email").GetString(), body.GetProperty("email").GetString());
        Assert.NotEqual(Digits(example.GetProperty("phone_number").GetString()!), Digits(body.GetProperty("phone_number").GetString()!));
    }

    [Fact]
    public async Task Swagger_UI_keeps_the_token_across_reloads()
    {
        var http = fixture.Anonymous();
        var script = await (await http.GetAsync("/swagger/index.js")).Content.ReadAsStringAsync();
        Assert.Contains("\"persistAuthorization\":true", script.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Production", null, false)]
    [InlineData("Production", "true", true)]
    [InlineData("Development", null, true)]
    [InlineData("Development", "false", false)]
    public async Task Swagger_is_a_setting_off_in_production_by_default(string environment, string? enabled, bool served)
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Sqlite:Path"] = Path.Combine(Path.GetTempPath(), $"userauth-swagger-{Guid.NewGuid():N}.db");
        settings["Secrets:EncryptionKey"] = Convert.ToBase64String(new byte[32]);
        settings["Sessions:CookieSecret"] = new string('c', 40);
        settings["Swagger:Enabled"] = enabled;
        using var factory = new ApiFactory(settings);
        using var configured = factory.WithWebHostBuilder(b => b.UseEnvironment(environment));
        var http = configured.CreateClient();
        foreach (var path in new[] { "/swagger/v1/swagger.json", "/swagger/index.html" })
        {
            // Not served: no such route, so the anonymous caller gets the fallback's 401 (or a 404).
            var status = (await http.GetAsync(path)).StatusCode;
            Assert.True(served ? status == HttpStatusCode.OK : status is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized,
                $"{environment}, Swagger:Enabled={enabled}: {path} answered {(int)status}");
        }
    }

    [GeneratedRegex(@"-d '(\{""username""[^']*\})'")]
    private static partial Regex ReadmeCreateUser();

    [GeneratedRegex("^[a-z][a-zA-Z0-9]*$")]
    private static partial Regex CamelCase();

    [GeneratedRegex(@"async (?<name>\w+)\(\s*\{[^}]*\}\s*=[\s\S]*?PlatformAPIClient\.execute\(\s*this\.config,\s*""(?<verb>\w+)"",\s*`/service/platform/user/v1\.0/company/\$\{this\.config\.companyId\}/application/\$\{this\.applicationId\}(?<path>[^`]*)`")]
    private static partial Regex ClientMethod();

    [GeneratedRegex(@"\$\{(\w+)\}")]
    private static partial Regex ClientPathParameter();
}
