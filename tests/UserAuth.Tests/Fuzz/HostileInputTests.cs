using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.Data.Sqlite;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Fuzz;

/// <summary>
/// Issue 14, generated hostile input: requests for every operation of <c>docs/openapi.json</c>, generated from its
/// schemas and mutated (<see cref="HostileRequests"/>), against the real service over the embedded store. Properties:
/// no 5xx; every error has the documented body <c>{message, code, request_id, errors:[{field, reason}]}</c>; nothing
/// is written for a rejected request (SQLite's <c>PRAGMA data_version</c> on a connection of the test's own moves with
/// any commit of the service); whatever is accepted can be read back and every listing still answers.
/// Seeded and replayable: a failure prints CsCheck's seed; <c>CsCheck_Seed=&lt;seed&gt;</c> replays it.
/// CI runs <see cref="DefaultCases"/> cases or as many as fit in <see cref="DefaultBudgetSeconds"/> seconds; the long run
/// is <c>USERAUTH_FUZZ_TIME=600 dotnet test tests/UserAuth.Tests -c Release --filter FullyQualifiedName~HostileInputTests</c>
/// (or <c>USERAUTH_FUZZ_ITER=100000</c>); <c>USERAUTH_FUZZ_SURVEY=1</c> lists every kind of failure instead of stopping.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    public const int DefaultCases = 3000;

    /// <summary>CI's time budget (seconds): cases past it are generated but not sent (USERAUTH_FUZZ_BUDGET changes it).</summary>
    public const int DefaultBudgetSeconds = 45;

    /// <summary>A fresh set of seeded entities every this many cases, so accepted deletes do not starve later cases.</summary>
    private const int ReseedEvery = 100;

    private readonly string folder = Path.Combine(Path.GetTempPath(), "userauth-fuzz-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<int, int> statuses = [];
    private readonly Dictionary<string, string> seeded = [];
    private ApiFactory? factory;
    private HttpClient http = null!;
    private SqliteConnection watcher = null!;
    private int cases;
    private int mutated;

    private string DatabasePath => Path.Combine(folder, "userauth.db");

    public async ValueTask InitializeAsync()
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Provider"] = "Sqlite";
        settings["Storage:Sqlite:Path"] = DatabasePath;
        // Nothing writes in the background: a commit seen during a rejected request is the request's.
        settings["Jobs:Enabled"] = "false";
        settings["BulkJobs:RunJobs"] = "false";
        settings["BulkJobs:Directory"] = Path.Combine(folder, "jobs");
        settings["Sessions:SweepIntervalSeconds"] = "86400";
        factory = new ApiFactory(settings);
        http = factory.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ApiFixture.TokenAsync(http, TestClients.Main));
        watcher = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await watcher.OpenAsync();
        await SeedAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await watcher.DisposeAsync();
        if (factory is not null)
        {
            await factory.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Generated_hostile_requests_for_every_route_get_no_5xx_the_error_body_no_write_when_rejected_and_read_back_when_accepted()
    {
        var routes = OpenApiRoutes.Load();
        Assert.True(routes.Operations.Count >= 40, $"only {routes.Operations.Count} operations in docs/openapi.json");
        var iter = int.TryParse(Environment.GetEnvironmentVariable("USERAUTH_FUZZ_ITER"), CultureInfo.InvariantCulture, out var i) ? i : DefaultCases;
        var time = int.TryParse(Environment.GetEnvironmentVariable("USERAUTH_FUZZ_TIME"), CultureInfo.InvariantCulture, out var t) ? t : -1;
        var output = TestContext.Current.TestOutputHelper;
        var clock = Stopwatch.StartNew();
        var budget = TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("USERAUTH_FUZZ_BUDGET"), CultureInfo.InvariantCulture, out var b) ? b
            : Environment.GetEnvironmentVariable("USERAUTH_FUZZ_ITER") is null && time < 0 ? DefaultBudgetSeconds : int.MaxValue);

        // CsCheck runs the property synchronously; off the test's context so the blocking waits cannot deadlock.
        // USERAUTH_FUZZ_SURVEY=1: keep going after a failure and list one example of each kind at the end (for finding
        // several defects in one run); otherwise the first failure stops the run, shrunk, with its seed.
        var survey = Environment.GetEnvironmentVariable("USERAUTH_FUZZ_SURVEY") == "1";
        var found = new Dictionary<string, string>();
        Action<FuzzRequest> property = request =>
        {
            if (clock.Elapsed > budget)
            {
                return;
            }

            try
            {
                RunAsync(request).GetAwaiter().GetResult();
            }
            catch (Exception e) when (survey)
            {
                var kind = $"{request.Operation} {e.Message.Split(':')[0]}";
                found.TryAdd(kind, $"{e.Message}\n{request}");
            }
        };
        await Task.Run(() => HostileRequests.For(routes).Sample(
            property,
            writeLine: line => output?.WriteLine(line),
            iter: iter,
            time: time,
            threads: 1,
            print: request => request.ToString()), TestContext.Current.CancellationToken);

        output?.WriteLine($"{cases} cases ({mutated} mutated) in {clock.Elapsed.TotalSeconds:0.0} s over {routes.Operations.Count} operations; statuses: " +
                          string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        Assert.True(cases >= Math.Min(iter, 50), $"only {cases} cases ran in {clock.Elapsed}");
        Assert.True(found.Count == 0, $"{found.Count} kinds of failure:\n\n" + string.Join("\n\n", found.Values));
    }

    private async Task RunAsync(FuzzRequest request)
    {
        cases++;
        if (request.Mutated)
        {
            mutated++;
        }

        if (cases % ReseedEvery == 0)
        {
            await SeedAsync();
        }

        var path = seeded.Aggregate(request.Path, (p, id) => p.Replace("{" + id.Key + "}", id.Value, StringComparison.Ordinal));
        using var message = new HttpRequestMessage(new HttpMethod(request.Operation.Method), path);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(Encode(request.Body));
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
        }

        if (request.Operation.Path.Contains("/oauth/token", StringComparison.Ordinal))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Basic", "dGVzdHMtbWFpbjptYWluLXNlY3JldC0xMjM=");
        }

        var before = await DataVersionAsync();
        using var response = await http.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        statuses[status] = statuses.GetValueOrDefault(status) + 1;
        var what = $"{request.Operation} answered {status}: {Cut(text)}";

        Assert.True(status < 500, what);
        if (status >= 400)
        {
            AssertErrorBody(text, what);
            Assert.True(await DataVersionAsync() == before, $"a rejected request wrote to the store: {what}");
            return;
        }

        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            using var _ = JsonDocument.Parse(text);
        }

        if (request.Operation.Method != "GET" && !request.Operation.Path.Contains("/oauth/token", StringComparison.Ordinal))
        {
            await ReadBackAsync(request, path, text, what);
        }
    }

    /// <summary>What was accepted reads back as answered, and every listing of the application still answers.</summary>
    private async Task ReadBackAsync(FuzzRequest request, string path, string text, string what)
    {
        var app = Http.App(seeded["application_id"], seeded["company_id"]);
        if (!path.StartsWith(app, StringComparison.Ordinal))
        {
            app = path[..(path.IndexOf("/application/", StringComparison.Ordinal) + "/application/".Length + 24)];
        }

        var answered = JsonDocument.Parse(text).RootElement;
        switch (request.Operation.Method, request.Operation.Path[(request.Operation.Path.IndexOf("{application_id}", StringComparison.Ordinal) + 16)..])
        {
            case ("POST", "/customers"):
            {
                var user = answered.GetProperty("user");
                var listed = await GetAsync($"{app}/customers/list?page_size=100", what);
                var item = listed.GetProperty("items").EnumerateArray().FirstOrDefault(u => u.GetProperty("_id").GetString() == user.GetProperty("_id").GetString());
                Assert.True(item.ValueKind == JsonValueKind.Object, $"the created user is not listed: {what}");
                AssertSame(user, item, what);
                break;
            }

            case ("POST", "/user_group"):
            {
                var read = await GetAsync($"{app}/user_group/{answered.GetProperty("uid").GetInt64()}", what);
                Assert.Equal(answered.GetProperty("_id").GetString(), read.GetProperty("_id").GetString());
                Assert.Equal(answered.GetProperty("name").GetString(), read.GetProperty("name").GetString());
                break;
            }

            case ("POST", "/user_attribute/definition"):
            {
                var read = await GetAsync($"{app}/user_attribute/definition/{answered.GetProperty("_id").GetString()}", what);
                AssertSame(answered, read, what);
                break;
            }

            case ("POST", "/platform/config"):
                AssertSame(answered, await GetAsync($"{app}/platform/config", what), what, "modified_at", "updated_at", "__v");
                break;
        }

        await GetAsync($"{app}/customers/list?page_size=100", what);
        await GetAsync($"{app}/user_group?page_size=100", what);
        await GetAsync($"{app}/user_attribute/definition?page_size=100", what);
        await GetAsync($"{app}/platform/config", what);
        if (seeded.TryGetValue("user_id", out var seededUser) && path.StartsWith(Http.App(seeded["application_id"], seeded["company_id"]), StringComparison.Ordinal))
        {
            // The seeded user may have been deleted by an accepted request: then these answer user_not_found.
            await GetAsync($"{app}/customers/sessions?id={seededUser}", what, "user_not_found");
            await GetAsync($"{app}/user_attribute/user/{seededUser}", what, "user_not_found");
        }
    }

    private async Task<JsonElement> GetAsync(string path, string after, string? notFoundCode = null)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        if (notFoundCode is not null && response.StatusCode == HttpStatusCode.NotFound
            && JsonDocument.Parse(text).RootElement.GetProperty("code").GetString() == notFoundCode)
        {
            return default;
        }

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode} {Cut(text)} after {after}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Every property <paramref name="answered"/> has, <paramref name="read"/> has with the same value.</summary>
    private static void AssertSame(JsonElement answered, JsonElement read, string what, params string[] except)
    {
        foreach (var property in answered.EnumerateObject().Where(p => !except.Contains(p.Name)))
        {
            Assert.True(read.TryGetProperty(property.Name, out var value) && JsonElement.DeepEquals(property.Value, value),
                $"{property.Name} reads back as {(read.TryGetProperty(property.Name, out var v) ? Cut(v.GetRawText()) : "(absent)")}, " +
                $"answered {Cut(property.Value.GetRawText())}: {what}");
        }
    }

    private static void AssertErrorBody(string text, string what)
    {
        JsonElement body;
        try
        {
            body = JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException)
        {
            Assert.Fail($"the error body is not JSON: {what}");
            return;
        }

        Assert.True(body.ValueKind == JsonValueKind.Object, $"the error body is not an object: {what}");
        foreach (var name in new[] { "message", "code", "request_id" })
        {
            Assert.True(body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0,
                $"the error body has no {name}: {what}");
        }

        if (body.TryGetProperty("errors", out var errors))
        {
            Assert.True(errors.ValueKind == JsonValueKind.Array, $"errors is not an array: {what}");
            foreach (var error in errors.EnumerateArray())
            {
                Assert.True(error.TryGetProperty("field", out var field) && field.ValueKind == JsonValueKind.String
                            && error.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String && reason.GetString()!.Length > 0,
                    $"an error is not {{field, reason}}: {what}");
            }
        }
    }

    private async Task<long> DataVersionAsync()
    {
        await using var command = watcher.CreateCommand();
        command.CommandText = "PRAGMA data_version;";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A fresh application with one of everything the path parameters name.</summary>
    private async Task SeedAsync()
    {
        var application = ApiFixture.NewApplicationId();
        var app = Http.App(application);
        seeded.Clear();
        seeded["company_id"] = TestClients.Main.CompanyId;
        seeded["application_id"] = application;
        var user = (await http.PostJsonAsync($"{app}/customers", Build.User(email: Build.Username("seed") + "@example.com"))).GetProperty("user");
        seeded["user_id"] = user.GetProperty("_id").GetString()!;
        var group = await http.PostJsonAsync($"{app}/user_group", new { name = "seed", description = "seeded group" });
        seeded["group_id"] = group.GetProperty("uid").GetInt64().ToString(CultureInfo.InvariantCulture);
        var definition = await http.PostJsonAsync($"{app}/user_attribute/definition", new { name = "Seed", slug = "seed", type = "string" });
        seeded["attribute_def_id"] = definition.GetProperty("_id").GetString()!;
        using var value = await http.PutAsync($"{app}/user_attribute/definition/{seeded["attribute_def_id"]}/user/{seeded["user_id"]}",
            Http.Json(new { attribute = new { value = "seeded" } }));
        seeded["attribute_id"] = value.IsSuccessStatusCode
            ? (await value.ReadJsonAsync()).GetProperty("_id").GetString()!
            : ApiFixture.NewApplicationId();
        await http.PostJsonAsync($"{app}/customers/session", new { user_id = seeded["user_id"], domain = "shop.example.com" });
        seeded["job_id"] = ApiFixture.NewApplicationId();
        seeded["report_id"] = ApiFixture.NewApplicationId();
    }

    /// <summary>UTF-8, except that U+FFFF stands for a byte that is never valid UTF-8 (0xFF).</summary>
    private static byte[] Encode(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        if (!body.Contains('\uFFFF', StringComparison.Ordinal))
        {
            return bytes;
        }

        var result = new List<byte>(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (i + 2 < bytes.Length && bytes[i] == 0xEF && bytes[i + 1] == 0xBF && bytes[i + 2] == 0xBF)
            {
                result.Add(0xFF);
                i += 2;
            }
            else
            {
                result.Add(bytes[i]);
            }
        }

        return [.. result];
    }

    private static string Cut(string text) => text.Length > 400 ? text[..400] + "..." : text;
}
