using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common.FileFetch;
using UserAuth.Tests.Infrastructure;
using static UserAuth.Tests.Groups.GroupTestSupport;

namespace UserAuth.Tests.Groups;

/// <summary>
/// The fetch policy through the API, with the production default (no loopback) and small limits: what is refused after
/// name resolution fails the group with the reason, and a file over a limit applies nothing.
/// </summary>
public sealed class GroupFetchPolicyTests : IAsyncLifetime
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "userauth-fetch-" + Guid.NewGuid().ToString("N"));
    private readonly string app = ApiFixture.NewApplicationId();
    private readonly List<IAsyncDisposable> owned = [];
    private LoopbackFileServer files = null!;

    private string P => Http.App(app);

    public async ValueTask InitializeAsync() => files = await LoopbackFileServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var item in owned)
        {
            await item.DisposeAsync();
        }

        await files.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class TestDns : IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => host switch
        {
            "files.internal.test" => Task.FromResult(new[] { IPAddress.Parse("203.0.113.10"), IPAddress.Parse("10.20.30.40") }),
            "metadata.test" => Task.FromResult(new[] { IPAddress.Parse("169.254.169.254") }),
            _ => new DnsHostResolver().ResolveAsync(host, cancellationToken),
        };
    }

    private async Task<HttpClient> StartAsync(params (string Key, string Value)[] extra)
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Provider"] = "Sqlite";
        settings["Storage:Sqlite:Path"] = Path.Combine(folder, "userauth.db");
        settings["Jobs:PollIntervalMs"] = "50";
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var factory = new ApiFactory(settings);
        var withDns = factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IHostResolver, TestDns>()));
        owned.Add(factory);
        owned.Add(withDns);
        var http = withDns.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await ApiFixture.TokenAsync(http, TestClients.Main));
        return http;
    }

    private async Task<JsonElement> RunAsync(HttpClient http, string url)
    {
        var group = await http.PostJsonAsync($"{P}/user_group", new { name = "n", description = "d", file_url = url });
        return await WaitDoneAsync(http, P, group.GetProperty("uid").GetInt64());
    }

    [Fact]
    public async Task Names_resolving_to_forbidden_addresses_fail_the_group_at_connect_time()
    {
        var http = await StartAsync(("FileFetch:AllowLoopback", "false"));
        var port = new Uri(files.BaseUrl).Port;

        // Accepted on their face (https, a name), refused once resolved.
        var done = await RunAsync(http, "https://files.internal.test/users.csv");
        Assert.Equal("failed", done.GetProperty("status").GetString());
        Assert.Contains("resolves to a private address", done.GetProperty("error").GetProperty("reason").GetString());

        done = await RunAsync(http, "https://metadata.test/latest/meta-data/");
        Assert.Contains("link-local", done.GetProperty("error").GetProperty("reason").GetString());

        done = await RunAsync(http, $"https://localhost:{port}/files/users.csv");
        Assert.Contains("resolves to a loopback address", done.GetProperty("error").GetProperty("reason").GetString());

        // Refused on their face: a 400 at once, nothing created.
        var refused = await http.PostJsonAsync($"{P}/user_group", new { name = "n", description = "d", file_url = files.Url("users.csv") },
            HttpStatusCode.BadRequest);
        Assert.Contains("https", refused.GetProperty("message").GetString());
        refused = await http.PostJsonAsync($"{P}/user_group", new { name = "n", description = "d", file_url = $"https://127.0.0.1:{port}/x.csv" },
            HttpStatusCode.BadRequest);
        Assert.Contains("loopback", refused.GetProperty("message").GetString());
        Assert.Equal(3, (await http.GetJsonAsync($"{P}/user_group")).GetProperty("page").GetProperty("item_total").GetInt64());
    }

    [Fact]
    public async Task A_file_over_a_limit_fails_the_group_and_applies_nothing()
    {
        var http = await StartAsync(("FileFetch:MaxRows", "5"), ("FileFetch:MaxBytes", "4000"), ("FileFetch:TimeoutSeconds", "1"));
        var users = new List<CreatedUser>();
        for (var i = 0; i < 6; i++)
        {
            users.Add(await http.NewCustomerAsync(app));
        }

        var rows = files.Serve($"{app}-rows.csv", "email,action\n" + string.Concat(users.Select(u => $"{u.Email},add\n")));
        var group = await http.PostJsonAsync($"{P}/user_group", new { name = "n", description = "d", file_url = rows });
        var uid = group.GetProperty("uid").GetInt64();
        var done = await WaitDoneAsync(http, P, uid);
        Assert.Equal("failed", done.GetProperty("status").GetString());
        Assert.Contains("more than 5 rows", done.GetProperty("error").GetProperty("reason").GetString());
        Assert.Empty(await MembersAsync(http, P, uid));

        done = await RunAsync(http, files.Serve($"{app}-big.csv", "email,action\n" + new string('x', 5000)));
        Assert.Contains("larger than 4000 bytes", done.GetProperty("error").GetProperty("reason").GetString());
        done = await RunAsync(http, $"{files.BaseUrl}/chunked?bytes=100000");
        Assert.Contains("larger than 4000 bytes", done.GetProperty("error").GetProperty("reason").GetString());
        done = await RunAsync(http, $"{files.BaseUrl}/slow?seconds=10");
        Assert.Contains("longer than 1 s", done.GetProperty("error").GetProperty("reason").GetString());
    }
}
