using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using UserAuth.Api.Features.Customers;

namespace UserAuth.Benchmarks;

/// <summary>Phone parsing (libphonenumber, default region IN) and email normalisation, as every create, update, list and search runs them.</summary>
[Config(typeof(BenchConfig))]
[MemoryDiagnoser]
[BenchmarkCategory("micro")]
public class IdentifierBenchmarks
{
    private readonly Identifiers identifiers = new(Options.Create(new CustomerOptions()));

    [Benchmark]
    [Arguments("+91 98765 43210")]
    [Arguments("9876543210")]
    [Arguments("098765-43210")]
    [Arguments("919876543210")]
    [Arguments("12345")]
    [Arguments("akash_mane")]
    public object? ParsePhone(string raw) => identifiers.ParsePhone(raw);

    [Benchmark]
    [Arguments("9876543210", "+91")]
    public object? ParsePhone_CountryCode(string raw, string countryCode) => identifiers.ParsePhone(raw, countryCode);

    [Benchmark]
    [Arguments("  Akash.Mane@GoFynd.com ")]
    [Arguments("not-an-email")]
    public string? NormalizeEmail(string raw) => Identifiers.NormalizeEmail(raw);
}
