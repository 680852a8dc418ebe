using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Benchmarks;

/// <summary>
/// The same paths one level down: <see cref="UserService"/> from the running host's container (identifier parsing,
/// uniqueness checks, versioned writes, the SQLite adapter, JSON documents), without HTTP, auth or response JSON.
/// </summary>
[Config(typeof(BenchConfig))]
[MemoryDiagnoser]
[BenchmarkCategory("service")]
public class CustomersServiceBenchmarks
{
    private BenchHost host = null!;
    private UserService users = null!;
    private Identifiers identifiers = null!;
    private Workload work = null!;
    private int counter;

    [GlobalSetup]
    public async Task Setup()
    {
        host = await BenchHost.StartAsync();
        users = host.Services.GetRequiredService<UserService>();
        identifiers = host.Services.GetRequiredService<Identifiers>();
        work = new Workload((await SeedDatabase.GetAsync()).Users);

        // Each query finds what it should (items + total), as over HTTP.
        await host.CheckAsync(async () =>
        {
            Expect("page 1", await Service_List_Page1(), 10 + SeedDatabase.UserCount);
            Expect("q=email", await Service_List_Email(), 2);
            Expect("q=phone", await Service_List_Phone(), 2);
            Expect("page 500", await Service_List_DeepPage(), Workload.DeepPageSize + SeedDatabase.UserCount);
            Expect("search", await Service_Search_10(), 10);
        });
    }

    private static void Expect(string what, long actual, long expected)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"{what}: expected {expected}, got {actual}");
        }
    }

    [GlobalCleanup]
    public async Task Cleanup() => await host.DisposeAsync();

    private async Task<long> List(string? q, int pageNo = 1, int pageSize = 10)
    {
        var (items, total) = await users.ListAsync(BenchHost.Tenant, q, new PageRequest(pageNo, pageSize), CancellationToken.None);
        return items.Count + total;
    }

    [Benchmark(Description = "ListAsync page 1")]
    public Task<long> Service_List_Page1() => List(null);

    [Benchmark(Description = "ListAsync q=email")]
    public Task<long> Service_List_Email() => List(work.EmailQuery);

    [Benchmark(Description = "ListAsync q=+91 phone")]
    public Task<long> Service_List_Phone() => List(work.PhoneQuery);

    [Benchmark(Description = "ListAsync q=username prefix")]
    public Task<long> Service_List_Prefix() => List(work.PrefixQuery);

    [Benchmark(Description = "ListAsync page 500 x10")]
    public Task<long> Service_List_DeepPage() => List(null, Workload.DeepPageNo, Workload.DeepPageSize);

    [Benchmark(Description = "ListAsync page 1000 x10 (last)")]
    public Task<long> Service_List_LastPage() => List(null, SeedDatabase.UserCount / Workload.DeepPageSize, Workload.DeepPageSize);

    [Benchmark(Description = "SearchAsync 10 values")]
    public async Task<int> Service_Search_10() =>
        (await users.SearchAsync(BenchHost.Tenant, work.SearchValues, CancellationToken.None)).Count;

    [Benchmark(Description = "CreateAsync")]
    public async Task<string> Service_Create()
    {
        var n = Interlocked.Increment(ref counter);
        var user = await users.CreateAsync(BenchHost.Tenant, new CreateUserRequestSchema
        {
            Username = $"bench_user_{n}",
            PhoneNumber = Workload.NewPhone(n),
            Email = $"bench.user.{n}@example.com",
            FirstName = "Bench",
            LastName = "User",
            Gender = "male",
        }.ToCommand(identifiers), CancellationToken.None);
        return user.Id;
    }

    [Benchmark(Description = "UpdateAsync first_name")]
    public async Task<int> Service_Update_FirstName()
    {
        var n = Interlocked.Increment(ref counter);
        var user = await users.UpdateAsync(BenchHost.Tenant, work.UpdateUserId,
            new UpdateUserRequestSchema { FirstName = $"Name{n}" }.ToCommand(identifiers), CancellationToken.None);
        return user.Version;
    }
}
