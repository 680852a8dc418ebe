using System.Text;
using BenchmarkDotNet.Attributes;

namespace UserAuth.Benchmarks;

/// <summary>
/// The customer routes over HTTP (in-memory TestServer): routing, authentication (JWT bearer), authorisation,
/// model binding, validation, the service, SQLite, and JSON out; the body is read whole by the client.
/// </summary>
[Config(typeof(BenchConfig))]
[MemoryDiagnoser]
[BenchmarkCategory("http")]
public class CustomersHttpBenchmarks
{
    private BenchHost host = null!;
    private HttpClient client = null!;
    private string listPage1 = "";
    private string listEmail = "";
    private string listPhone = "";
    private string listPrefix = "";
    private string listDeep = "";
    private string search10 = "";
    private string updateUrl = "";
    private int counter;

    [GlobalSetup]
    public async Task Setup()
    {
        host = await BenchHost.StartAsync();
        client = host.Client;
        var work = new Workload((await SeedDatabase.GetAsync()).Users);
        const string list = BenchHost.BasePath + "/customers/list";
        listPage1 = list + "?page_no=1&page_size=10";
        listEmail = list + "?q=" + Uri.EscapeDataString(work.EmailQuery);
        listPhone = list + "?q=" + Uri.EscapeDataString(work.PhoneQuery);
        listPrefix = list + "?q=" + Uri.EscapeDataString(work.PrefixQuery);
        listDeep = $"{list}?page_no={Workload.DeepPageNo}&page_size={Workload.DeepPageSize}";
        search10 = BenchHost.BasePath + "/customers/search?" +
                   string.Join('&', work.SearchValues.Select(v => "query=" + Uri.EscapeDataString(v)));
        updateUrl = BenchHost.BasePath + "/customers/" + work.UpdateUserId;

        // Each query finds what it should: a benchmark of an empty answer would measure the wrong thing.
        await host.CheckAsync(async () =>
        {
            await Expect(listPage1, "page", "item_total", SeedDatabase.UserCount);
            await Expect(listEmail, "page", "item_total", 1);
            await Expect(listPhone, "page", "item_total", 1);
            await Expect(listDeep, "items", null, Workload.DeepPageSize);
            await Expect(search10, "users", null, 10);
            using var prefix = await BenchHost.GetJsonAsync(client, listPrefix);
            Console.WriteLine($"// q={work.PrefixQuery} (prefix) matches {prefix.RootElement.GetProperty("page").GetProperty("item_total")} users");
        });
    }

    private async Task Expect(string url, string property, string? inner, long expected)
    {
        using var json = await BenchHost.GetJsonAsync(client, url);
        var value = json.RootElement.GetProperty(property);
        var actual = inner is null ? value.GetArrayLength() : value.GetProperty(inner).GetInt64();
        if (actual != expected)
        {
            throw new InvalidOperationException($"GET {url}: expected {expected} in {property}, got {actual}");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup() => await host.DisposeAsync();

    [Benchmark(Description = "getCustomers page 1")]
    public Task<int> Http_List_Page1() => BenchHost.GetAsync(client, listPage1);

    [Benchmark(Description = "getCustomers q=email")]
    public Task<int> Http_List_Email() => BenchHost.GetAsync(client, listEmail);

    [Benchmark(Description = "getCustomers q=+91 phone")]
    public Task<int> Http_List_Phone() => BenchHost.GetAsync(client, listPhone);

    [Benchmark(Description = "getCustomers q=username prefix")]
    public Task<int> Http_List_Prefix() => BenchHost.GetAsync(client, listPrefix);

    [Benchmark(Description = "getCustomers page 500 x10")]
    public Task<int> Http_List_DeepPage() => BenchHost.GetAsync(client, listDeep);

    [Benchmark(Description = "searchUsers 10 values")]
    public Task<int> Http_Search_10() => BenchHost.GetAsync(client, search10);

    [Benchmark(Description = "createUser")]
    public Task<int> Http_Create()
    {
        var n = Interlocked.Increment(ref counter);
        var json = $$$"""
            {"username":"bench_user_{{{n}}}","phone_number":"{{{Workload.NewPhone(n)}}}","email":"bench.user.{{{n}}}@example.com",
             "first_name":"Bench","last_name":"User","gender":"male","meta":{"signup_channel":"bench"}}
            """;
        return BenchHost.SendAsync(client, new HttpRequestMessage(HttpMethod.Post, BenchHost.BasePath + "/customers")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        });
    }

    [Benchmark(Description = "updateUser first_name")]
    public Task<int> Http_Update_FirstName()
    {
        var n = Interlocked.Increment(ref counter);
        return BenchHost.SendAsync(client, new HttpRequestMessage(HttpMethod.Put, updateUrl)
        {
            Content = new StringContent($$"""{"first_name":"Name{{n}}"}""", Encoding.UTF8, "application/json"),
        });
    }
}
