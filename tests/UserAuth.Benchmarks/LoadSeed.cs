using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Benchmarks;

/// <summary>
/// <c>seed &lt;database&gt; &lt;users&gt; &lt;data folder&gt;</c>: the load suite's data (tests/UserAuth.Benchmarks/load).
/// Seeds <c>users</c> customers into the benchmark application and a tenth as many (at least 1,000) into a second
/// application of the same company, so every query filters by tenant, through the store port of a running host
/// (256 writes in flight, so the SQLite adapter commits them in groups). Writes what the wrk scripts pick from:
/// <c>emails.txt</c>, <c>phones.txt</c>, <c>ids.txt</c> (a sample of 10,000 users of the benchmark application) and
/// <c>parse_users.csv</c> (the same users for the peer's <c>\copy</c>).
/// </summary>
internal static class LoadSeed
{
    public const string OtherApplicationId = "65f0c0ffee00000000000b02";
    private const int Sample = 10_000;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 4 || !int.TryParse(args[2], CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            Console.Error.WriteLine("usage: seed <database file> <users> <data folder>");
            return 2;
        }

        var (path, folder) = (Path.GetFullPath(args[1]), Path.GetFullPath(args[3]));
        Directory.CreateDirectory(folder);
        var clock = Stopwatch.StartNew();
        var step = Math.Max(1, count / Sample);
        var sample = new List<User>(Sample + 1);
        var start = DateTime.UtcNow.AddDays(-365);
        await using (var factory = new BenchFactory(BenchHost.Settings(path)))
        {
            var store = factory.Services.GetRequiredService<IUserStore>();
            var others = Math.Max(1_000, count / 10);
            var tenants = new[] { (BenchHost.Tenant, count), (new Tenant(BenchHost.CompanyId, OtherApplicationId), others) };
            foreach (var (tenant, n) in tenants)
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 256 },
                    async (i, ct) =>
                    {
                        var user = NewUser(tenant, i, start.AddMilliseconds(i * 25_000L * 1_000 / Math.Max(n, 1)));
                        await store.InsertAsync(user, ct);
                        if (tenant == BenchHost.Tenant && i % step == 0)
                        {
                            lock (sample)
                            {
                                sample.Add(user);
                            }
                        }
                    });
                var (commits, writes) = factory.Services.GetRequiredService<UserAuth.Api.Storage.Sqlite.SqliteDatabase>().WriterStatistics;
                Console.WriteLine($"seeded {n:N0} users of application {tenant.ApplicationId} ({clock.Elapsed.TotalSeconds:0.0} s; " +
                                  $"{writes:N0} writes in {commits:N0} commits so far)");
            }
        }

        SqliteConnection.ClearAllPools();
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await command.ExecuteNonQueryAsync();
        }

        await File.WriteAllLinesAsync(Path.Combine(folder, "emails.txt"), sample.Select(u => u.Emails[0].Email));
        await File.WriteAllLinesAsync(Path.Combine(folder, "phones.txt"), sample.Select(u => u.PhoneNumbers[0].E164));
        await File.WriteAllLinesAsync(Path.Combine(folder, "ids.txt"), sample.Select(u => u.Id));
        await WriteParseCsvAsync(Path.Combine(folder, "parse_users.csv"), count, start);
        Console.WriteLine($"seed done: {count:N0} + second application in {clock.Elapsed.TotalSeconds:0.0} s, " +
                          $"{new FileInfo(path).Length / 1024 / 1024} MiB");
        return 0;
    }

    /// <summary>User i of a tenant: deterministic, with a unique username, email and valid Indian mobile.</summary>
    private static User NewUser(Tenant tenant, int i, DateTime createdAt)
    {
        var (first, last) = Name(i);
        var app = tenant == BenchHost.Tenant ? "" : "b";
        var username = $"{first}.{last}{app}{i.ToString(CultureInfo.InvariantCulture)}";
        var user = new User
        {
            Id = Ids.New(),
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            Username = username,
            FirstName = Capital(first),
            LastName = Capital(last),
            Gender = i % 2 == 0 ? "female" : "male",
            Meta = """{"signup_channel":"app","loyalty_tier":"gold"}""",
            Emails = [new UserEmail { Email = $"{username}@example.com", Primary = true, Verified = true }],
            PhoneNumbers = [new UserPhone { CountryCode = 91, Phone = (9_000_000_000L + i).ToString(CultureInfo.InvariantCulture), Primary = true }],
            CreatedAt = new DateTime(createdAt.Ticks - createdAt.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc),
            UpdatedAt = createdAt,
            Timeline = [new TimelineEvent { Type = "created", Title = "Account created", Date = createdAt }],
        };
        user.RefreshDerived();
        return user;
    }

    private static readonly string[] Firsts = ["aarav", "vivaan", "aditya", "vihaan", "arjun", "sai", "reyansh", "krishna",
        "ishaan", "shaurya", "ananya", "diya", "saanvi", "aadhya", "pari", "kiara", "myra", "anika", "riya", "sara",
        "meera", "kavya", "neha", "pooja", "rahul", "rohan", "siddharth", "tanvi", "uma", "zoya"];

    private static readonly string[] Lasts = ["sharma", "verma", "gupta", "mehta", "iyer", "nair", "reddy", "patel", "shah",
        "joshi", "kulkarni", "desai", "mane", "rao", "das", "bose", "sen", "khan", "singh", "kapoor", "malhotra", "chopra",
        "banerjee", "mukherjee", "pillai", "menon", "agarwal", "jain", "bhat", "yadav"];

    private static (string First, string Last) Name(int i) => (Firsts[i % Firsts.Length], Lasts[i / Firsts.Length % Lasts.Length]);

    private static string Capital(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>The same users of the benchmark application for Parse Server's <c>_User</c> (objectId, username, email, dates).</summary>
    private static async Task WriteParseCsvAsync(string file, int count, DateTime start)
    {
        await using var writer = new StreamWriter(file, false, new UTF8Encoding(false));
        for (var i = 0; i < count; i++)
        {
            var (first, last) = Name(i);
            var username = $"{first}.{last}{i.ToString(CultureInfo.InvariantCulture)}";
            var at = start.AddMilliseconds(i * 25_000L * 1_000 / count).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
            await writer.WriteLineAsync($"p{i.ToString("D9", CultureInfo.InvariantCulture)},{username},{username}@example.com,{at},{at},{(9_000_000_000L + i).ToString(CultureInfo.InvariantCulture)}");
        }
    }
}
