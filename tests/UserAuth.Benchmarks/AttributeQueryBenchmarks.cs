using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Attributes;

namespace UserAuth.Benchmarks;

/// <summary>
/// Attribute filtering (<see cref="IUserAttributeQuery"/>, what filterUsersByAttributes, groups and exports run) over
/// the SQLite adapter: one page of 20 matching user ids and the total, per operator. Seeded once per case with
/// <c>USERAUTH_BENCH_ATTRIBUTE_USERS</c> users (default 50,000) holding 4 values each (name, age, since, an encrypted
/// code): 200,000 values by default, 1,000,000 with 250,000 users. Values are written through the store port
/// (<see cref="IAttributeStore.UpsertValuesAsync"/>) in batches, so terms and hashes are what the service writes. The
/// seeded host is shared by every case of the run (seeding 1M values takes minutes) and removed when the process exits.
/// </summary>
[Config(typeof(AttributeBenchConfig))]
[MemoryDiagnoser]
[BenchmarkCategory("attributes")]
public class AttributeQueryBenchmarks
{
    private static readonly Tenant Tenant = BenchHost.Tenant;
    private BenchFactory factory = null!;
    private string directory = "";
    private IUserAttributeQuery query = null!;
    private int users;
    private readonly Dictionary<string, CompiledAttributeFilter> filters = [];
    private AttributeDefinition name = null!;
    private AttributeDefinition age = null!;
    private AttributeDefinition since = null!;
    private AttributeDefinition code = null!;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static AttributeQueryBenchmarks? seeded;

    [GlobalSetup]
    public async Task Setup()
    {
        await Gate.WaitAsync();
        try
        {
            if (seeded is null)
            {
                await SeedAsync();
                seeded = this;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => seeded.Cleanup().GetAwaiter().GetResult();
            }

            query = seeded.query;
            foreach (var (key, filter) in seeded.filters)
            {
                filters[key] = filter;
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    private async Task SeedAsync()
    {
        users = int.TryParse(Environment.GetEnvironmentVariable("USERAUTH_BENCH_ATTRIBUTE_USERS"), out var n) ? n : 50_000;
        directory = Path.Combine(Path.GetTempPath(), $"userauth-bench-attr-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        factory = new BenchFactory(BenchHost.Settings(Path.Combine(directory, "userauth.db")));
        _ = factory.Server;
        var services = factory.Services;
        var store = services.GetRequiredService<IAttributeStore>();
        var cipher = services.GetRequiredService<AttributeCipher>();
        query = services.GetRequiredService<IUserAttributeQuery>();

        name = await DefineAsync(store, "name", AttributeTypes.String, false);
        age = await DefineAsync(store, "age", AttributeTypes.Number, false);
        since = await DefineAsync(store, "since", AttributeTypes.Date, false);
        code = await DefineAsync(store, "code", AttributeTypes.String, true);

        var started = DateTime.UtcNow;
        var batch = new List<UserAttribute>(4_000);
        for (var i = 0; i < users; i++)
        {
            var user = i.ToString("x24", CultureInfo.InvariantCulture);
            batch.Add(Plain(name, user, [$"name-{i:D7}"], []));
            batch.Add(Plain(age, user, [], [i % 10_000 / 100.0]));
            batch.Add(Plain(since, user, [new DateOnly(2000, 1, 1).AddDays(i % 9_000).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)], []));
            var secret = Plain(code, user, [], []);
            var plain = $"CODE-{i % 1_000:D4}";
            (secret.Cipher, secret.KeyId) = cipher.Encrypt(JsonSerializer.Serialize(plain), secret);
            secret.Value = null;
            secret.HashTerms = [cipher.Hash(Tenant.ApplicationId, code.Id, plain)];
            batch.Add(secret);
            if (batch.Count >= 4_000)
            {
                await store.UpsertValuesAsync(Tenant, batch, CancellationToken.None);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            await store.UpsertValuesAsync(Tenant, batch, CancellationToken.None);
        }

        Console.WriteLine($"// seeded {users * 4:N0} attribute values in {(DateTime.UtcNow - started).TotalSeconds:F0} s");

        await AddAsync("eq", name, "eq", $"\"name-{users / 2:D7}\"");
        await AddAsync("in10", name, "in", JsonSerializer.Serialize(Enumerable.Range(0, 10).Select(k => $"name-{k * 97:D7}")));
        await AddAsync("sw", name, "sw", $"\"name-{users / 2 / 100:D5}\"");
        await AddAsync("cnt", name, "cnt", "\"99999\"");
        await AddAsync("gt", age, "gt", "98.99");
        await AddAsync("btw", since, "btw", "[\"2010-01-01\", \"2010-03-31\"]");
        await AddAsync("ne", name, "ne", "\"name-0000001\"");
        await AddAsync("encrypted_eq", code, "eq", "\"CODE-0042\"");
        filters["and"] = await query.CompileAsync(Tenant, true,
        [
            new AttributeCondition(age.Id, "gte", JsonDocument.Parse("90").RootElement),
            new AttributeCondition(since.Id, "lt", JsonDocument.Parse("\"2001-01-01\"").RootElement),
        ], "conditions", CancellationToken.None);

        foreach (var (key, filter) in filters)
        {
            if ((await query.FindUserIdsAsync(Tenant, filter, 0, 20, null, CancellationToken.None)).Total == 0 && key != "ne")
            {
                await Cleanup();
                throw new InvalidOperationException($"The '{key}' filter matches nobody: the seeded data is not what the benchmarks expect.");
            }
        }
    }

    private async Task Cleanup()
    {
        await factory.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Task<long> Run(string key) => Total(query.FindUserIdsAsync(Tenant, filters[key], 0, 20, null, CancellationToken.None));

    private static async Task<long> Total(Task<(IReadOnlyList<string> UserIds, long Total)> run) => (await run).Total;

    [Benchmark(Description = "string eq (1 match)")]
    public Task<long> Eq() => Run("eq");

    [Benchmark(Description = "string in, 10 values")]
    public Task<long> In10() => Run("in10");

    [Benchmark(Description = "string sw (prefix, ~100 matches)")]
    public Task<long> StartsWith() => Run("sw");

    [Benchmark(Description = "string cnt (scans the definition)")]
    public Task<long> Contains() => Run("cnt");

    [Benchmark(Description = "number gt (~1%)")]
    public Task<long> NumberGt() => Run("gt");

    [Benchmark(Description = "date btw (~1%)")]
    public Task<long> DateBetween() => Run("btw");

    [Benchmark(Description = "and: number gte + date lt")]
    public Task<long> And() => Run("and");

    [Benchmark(Description = "encrypted eq (keyed hash, ~0.1%)")]
    public Task<long> EncryptedEq() => Run("encrypted_eq");

    [Benchmark(Description = "string ne (matches nearly all)")]
    public Task<long> NotEqual() => Run("ne");

    private async Task AddAsync(string key, AttributeDefinition definition, string op, string json) =>
        filters[key] = await query.CompileAsync(Tenant, true, [new AttributeCondition(definition.Id, op, JsonDocument.Parse(json).RootElement)],
            "conditions", CancellationToken.None);

    private static async Task<AttributeDefinition> DefineAsync(IAttributeStore store, string slug, string type, bool encrypted)
    {
        var now = DateTime.UtcNow;
        var definition = new AttributeDefinition
        {
            Id = Ids.New(),
            CompanyId = Tenant.CompanyId,
            ApplicationId = Tenant.ApplicationId,
            Name = slug,
            Slug = slug,
            Type = type,
            Encrypted = encrypted,
            CreatedBy = "bench",
            UpdatedBy = "bench",
            CreatedAt = now,
            ModifiedAt = now,
        };
        await store.InsertDefinitionAsync(definition, CancellationToken.None);
        return definition;
    }

    private static UserAttribute Plain(AttributeDefinition definition, string user, List<string> text, List<double> numbers) => new()
    {
        Id = Ids.New(),
        CompanyId = Tenant.CompanyId,
        ApplicationId = Tenant.ApplicationId,
        DefinitionId = definition.Id,
        UserId = user,
        Type = definition.Type,
        Value = text.Count > 0 ? JsonSerializer.Serialize(text[0]) : JsonSerializer.Serialize(numbers.FirstOrDefault()),
        TextTerms = text,
        NumberTerms = numbers,
        UpdatedBy = "bench",
        CreatedAt = DateTime.UtcNow,
        UpdatedAt = DateTime.UtcNow,
    };
}

/// <summary><see cref="BenchConfig"/>'s job with room for seeding a million values in the first case's set-up (an hour).</summary>
public sealed class AttributeBenchConfig : ManualConfig
{
    public AttributeBenchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromHours(1), logOutput: true))
            .WithWarmupCount(2)
            .WithIterationCount(5)
            .WithId("InProcess-2w5i"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median);
        AddColumn(CategoriesColumn.Default);
    }
}
