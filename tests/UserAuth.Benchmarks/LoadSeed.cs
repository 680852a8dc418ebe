using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Attributes;
using UserAuth.Api.Features.Customers;
using UserAuth.Api.Features.Groups;

namespace UserAuth.Benchmarks;

/// <summary>
/// <c>seed &lt;database&gt; &lt;users&gt; &lt;data folder&gt;</c>: the load suite's data (tests/UserAuth.Benchmarks/load).
/// Seeds <c>users</c> customers into the benchmark application and a tenth as many (at least 1,000) into a second
/// application of the same company, so every query filters by tenant, through the store port of a running host
/// (<see cref="IUserStore.InsertManyAsync"/>, the bulk import's call: a transaction per 2,000 users). Writes what the wrk scripts pick from:
/// <c>emails.txt</c>, <c>phones.txt</c>, <c>ids.txt</c> (a sample of 10,000 users of the benchmark application) and
/// <c>parse_users.csv</c> (the same users for the peer's <c>\copy</c>).
/// <para>
/// Attributes and groups, in both applications: a string attribute <c>segment</c> whose value is shared by exactly
/// <see cref="SegmentSize"/> users (<c>seg-000000</c>, <c>seg-000001</c>, ...), so a filter on one value matches the same
/// number of users at every size; a bulk group of <see cref="GroupMembers"/> users spread over the application; and a
/// conditional group (<c>segment eq seg-000007</c>). <c>bench.env</c> names them for the wrk scripts
/// (<c>SEGMENT_DEF</c>, <c>GROUP_UID</c>, <c>SEGMENTS</c>).
/// </para>
/// </summary>
internal static class LoadSeed
{
    public const string OtherApplicationId = "65f0c0ffee00000000000b02";
    private const int Sample = 10_000;

    /// <summary>Users per <c>segment</c> value.</summary>
    public const int SegmentSize = 100;

    /// <summary>Members of the seeded bulk group.</summary>
    public const int GroupMembers = 1_000;

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
        var env = new StringBuilder();
        await using (var factory = new BenchFactory(BenchHost.Settings(path)))
        {
            var store = factory.Services.GetRequiredService<IUserStore>();
            var userIds = new Dictionary<Tenant, string[]>();
            var others = Math.Max(1_000, count / 10);
            var tenants = new[] { (BenchHost.Tenant, count), (new Tenant(BenchHost.CompanyId, OtherApplicationId), others) };
            foreach (var (tenant, n) in tenants)
            {
                var ids = userIds[tenant] = new string[n];
                // The bulk import's store call (IUserStore.InsertManyAsync): one transaction per batch of 2,000 users.
                var batch = new List<User>(2_000);
                for (var i = 0; i < n; i++)
                {
                    var user = NewUser(tenant, i, start.AddMilliseconds(i * 25_000L * 1_000 / Math.Max(n, 1)));
                    ids[i] = user.Id;
                    batch.Add(user);
                    if (tenant == BenchHost.Tenant && i % step == 0)
                    {
                        sample.Add(user);
                    }

                    if (batch.Count == 2_000 || i == n - 1)
                    {
                        if ((await store.InsertManyAsync(batch, CancellationToken.None)).Count > 0)
                        {
                            throw new InvalidOperationException("A seeded user's identifier was taken: the seed is not unique.");
                        }

                        batch.Clear();
                    }
                }

                Console.WriteLine($"seeded {n:N0} users of application {tenant.ApplicationId} ({clock.Elapsed.TotalSeconds:0.0} s)");
            }

            foreach (var (tenant, ids) in userIds)
            {
                var (definition, uid) = await SeedAttributesAndGroupsAsync(factory.Services, tenant, ids);
                Console.WriteLine($"seeded segment values and groups of application {tenant.ApplicationId} ({clock.Elapsed.TotalSeconds:0.0} s)");
                if (tenant == BenchHost.Tenant)
                {
                    env.Append(CultureInfo.InvariantCulture, $"SEGMENT_DEF={definition}\nGROUP_UID={uid}\nSEGMENTS={ids.Length / SegmentSize}\n");
                }
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
        await File.WriteAllTextAsync(Path.Combine(folder, "bench.env"), env.ToString());
        await WriteParseCsvAsync(Path.Combine(folder, "parse_users.csv"), count, start);
        Console.WriteLine($"seed done: {count:N0} + second application in {clock.Elapsed.TotalSeconds:0.0} s, " +
                          $"{new FileInfo(path).Length / 1024 / 1024} MiB");
        return 0;
    }

    /// <summary>
    /// The <c>segment</c> attribute (user i holds <c>seg-{i / SegmentSize}</c>), written through the attribute store in
    /// batches; a bulk group of every (n / GroupMembers)-th user; a conditional group on one segment. Returns the
    /// definition id and the bulk group's uid.
    /// </summary>
    private static async Task<(string Definition, long Uid)> SeedAttributesAndGroupsAsync(IServiceProvider services, Tenant tenant, string[] ids)
    {
        var attributes = services.GetRequiredService<IAttributeStore>();
        var groups = services.GetRequiredService<IUserGroupStore>();
        var now = DateTime.UtcNow;
        var definition = new AttributeDefinition
        {
            Id = Ids.New(),
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            Name = "segment",
            Slug = "segment",
            Type = AttributeTypes.String,
            CreatedBy = "bench",
            UpdatedBy = "bench",
            CreatedAt = now,
            ModifiedAt = now,
        };
        await attributes.InsertDefinitionAsync(definition, CancellationToken.None);
        var batch = new List<UserAttribute>(4_000);
        for (var i = 0; i < ids.Length; i++)
        {
            var value = Segment(i / SegmentSize);
            batch.Add(new UserAttribute
            {
                Id = Ids.New(),
                CompanyId = tenant.CompanyId,
                ApplicationId = tenant.ApplicationId,
                DefinitionId = definition.Id,
                UserId = ids[i],
                Type = AttributeTypes.String,
                Value = JsonSerializer.Serialize(value),
                TextTerms = [value],
                UpdatedBy = "bench",
                CreatedAt = now,
                UpdatedAt = now,
            });
            if (batch.Count == 4_000 || i == ids.Length - 1)
            {
                await attributes.UpsertValuesAsync(tenant, batch, CancellationToken.None);
                batch.Clear();
            }
        }

        UserGroup Group(string name, string type) => new()
        {
            Id = Ids.New(),
            CompanyId = tenant.CompanyId,
            ApplicationId = tenant.ApplicationId,
            Name = name,
            NameLc = name.ToLowerInvariant(),
            Description = "seeded by the load suite",
            Type = type,
            Status = GroupStatuses.Completed,
            CreatedAt = now,
            ModifiedAt = now,
        };
        var bulk = Group("Load members", GroupTypes.Bulk);
        var uid = await groups.InsertAsync(bulk, CancellationToken.None);
        var step = Math.Max(1, ids.Length / GroupMembers);
        var members = Enumerable.Range(0, Math.Min(GroupMembers, ids.Length)).Select(k => ids[k * step]).ToList();
        await groups.AddMembersAsync(tenant, uid, members, CancellationToken.None);
        var conditional = Group("Load segment 7", GroupTypes.Conditional);
        conditional.Conditions = [new GroupCondition { UserAttributeDefinitionId = definition.Id, Type = "eq", Value = JsonSerializer.Serialize(Segment(7)) }];
        await groups.InsertAsync(conditional, CancellationToken.None);
        return (definition.Id, uid);
    }

    private static string Segment(int k) => "seg-" + k.ToString("D6", CultureInfo.InvariantCulture);

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

    /// <summary>
    /// The same users of both applications for Parse Server's <c>_User</c> (objectId, username, email, dates, phone,
    /// application): Parse has one application per server, so the peer keeps the application in a column and every
    /// query of the peer filters on it, as ours filter on the tenant.
    /// </summary>
    private static async Task WriteParseCsvAsync(string file, int count, DateTime start)
    {
        await using var writer = new StreamWriter(file, false, new UTF8Encoding(false));
        var others = Math.Max(1_000, count / 10);
        foreach (var (app, suffix, n) in new[] { ("b01", "", count), ("b02", "b", others) })
        {
            for (var i = 0; i < n; i++)
            {
                var (first, last) = Name(i);
                var username = $"{first}.{last}{suffix}{i.ToString(CultureInfo.InvariantCulture)}";
                var at = start.AddMilliseconds(i * 25_000L * 1_000 / n).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
                await writer.WriteLineAsync($"{app}{i.ToString("D9", CultureInfo.InvariantCulture)},{username},{username}@example.com,{at},{at},{(9_000_000_000L + i).ToString(CultureInfo.InvariantCulture)},{app}");
            }
        }
    }
}
