using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bogus;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Benchmarks;

/// <summary>A seeded user as the benchmarks query it: its id and identifiers as created.</summary>
internal sealed record SeedUser(string Id, string Username, string Email, string Phone, string FirstName, string LastName);

/// <summary>
/// The seeded database: <see cref="UserCount"/> customers (deterministic Bogus data, Indian names and mobiles) created
/// through the real <see cref="UserService"/> of a running host, once per process, into a template file. Each
/// benchmark case's [GlobalSetup] copies the template, so every case starts from the same 10,000 users and a create
/// or update benchmark never changes what the next case sees. The template is deleted when the process exits; each
/// copy in its case's [GlobalCleanup].
/// </summary>
internal static class SeedDatabase
{
    public const int UserCount = 10_000;

    /// <summary>Seeded mobiles are 98000 00000 + i (valid Indian mobiles); the create benchmarks use 7xxxxxxxxx.</summary>
    public const long SeedPhoneBase = 98_000_00000;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Seeded? seeded;

    public sealed record Seeded(string DatabasePath, IReadOnlyList<SeedUser> Users, TimeSpan SeedTime);

    public static async Task<Seeded> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return seeded ??= await SeedAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>The create requests of the seeded users, the same on every run.</summary>
    public static List<CreateUserRequestSchema> Requests(int count)
    {
        var faker = new Faker("en_IND") { Random = new Randomizer(20_240_611) };
        using var meta = JsonDocument.Parse("""{"signup_channel":"app","loyalty_tier":"gold"}""");
        var requests = new List<CreateUserRequestSchema>(count);
        for (var i = 0; i < count; i++)
        {
            var first = faker.Name.FirstName();
            var last = faker.Name.LastName();
            var username = $"{Letters(first)}.{Letters(last)}{i.ToString(CultureInfo.InvariantCulture)}";
            requests.Add(new CreateUserRequestSchema
            {
                Username = username,
                PhoneNumber = (SeedPhoneBase + i).ToString(CultureInfo.InvariantCulture),
                Email = $"{username}@{faker.Internet.DomainName()}",
                FirstName = first,
                LastName = last,
                Gender = faker.PickRandom("male", "female"),
                ExternalId = faker.Random.Number(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture),
                Meta = meta.RootElement.Clone(),
            });
        }

        return requests;
    }

    private static string Letters(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsAsciiLetter(c))
            {
                text.Append(char.ToLowerInvariant(c));
            }
        }

        return text.Length > 0 ? text.ToString() : "x";
    }

    private static async Task<Seeded> SeedAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"userauth-bench-template-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(directory);
        var path = Path.Combine(directory, "template.db");

        var clock = Stopwatch.StartNew();
        var users = new List<SeedUser>(UserCount);
        await using (var factory = new BenchFactory(BenchHost.Settings(path)))
        {
            var service = factory.Services.GetRequiredService<UserService>();
            var identifiers = factory.Services.GetRequiredService<Identifiers>();
            foreach (var request in Requests(UserCount))
            {
                var user = await service.CreateAsync(BenchHost.Tenant, request.ToCommand(identifiers), CancellationToken.None);
                users.Add(new SeedUser(user.Id, user.Username, user.Emails[0].Email, user.PhoneNumbers[0].Phone,
                    user.FirstName!, user.LastName!));
            }
        }

        // Fold the WAL into the file so a plain copy is the whole database.
        SqliteConnection.ClearAllPools();
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await command.ExecuteNonQueryAsync();
        }

        clock.Stop();
        // USERAUTH_BENCH_SEED_COPY=/some/file.db keeps a copy of the seeded database (e.g. for EXPLAIN QUERY PLAN).
        if (Environment.GetEnvironmentVariable("USERAUTH_BENCH_SEED_COPY") is { Length: > 0 } keep)
        {
            File.Copy(path, keep, overwrite: true);
        }

        Console.WriteLine($"// Seeded {users.Count} users through UserService in {clock.Elapsed.TotalSeconds:0.0} s " +
                          $"({new FileInfo(path).Length / 1024 / 1024} MiB)");
        return new Seeded(path, users, clock.Elapsed);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
