using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using UserAuth.Api.Common;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Benchmarks;

/// <summary>
/// The per-user JSON work behind the customer paths, on a seeded user's stored document (~1 KB): the SQLite adapter
/// deserialises every row it reads, responses map each user to UserSchema, and updateUser serialises that schema
/// twice to tell whether anything changed (UserService.UpdateAsync).
/// </summary>
[Config(typeof(BenchConfig))]
[MemoryDiagnoser]
[BenchmarkCategory("micro")]
public class UserDocumentBenchmarks
{
    private string document = "";
    private User user = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        var seeded = await SeedDatabase.GetAsync();
        await using var connection = new SqliteConnection($"Data Source={seeded.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT doc FROM users WHERE id = $id;";
        command.Parameters.AddWithValue("$id", seeded.Users[5000].Id);
        document = (string)(await command.ExecuteScalarAsync())!;
        user = JsonSerializer.Deserialize<User>(document, JsonDefaults.Options)!;
    }

    [Benchmark(Description = "Deserialize stored user doc")]
    public object Doc_Deserialize() => JsonSerializer.Deserialize<User>(document, JsonDefaults.Options)!;

    [Benchmark(Description = "UserSchema.From(user)")]
    public object Doc_ToSchema() => UserSchema.From(user);

    [Benchmark(Description = "Serialize(UserSchema.From(user))")]
    public string Doc_SchemaJson() => JsonSerializer.Serialize(UserSchema.From(user));
}
