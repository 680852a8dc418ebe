using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace UserAuth.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/UserAuth.Benchmarks -- --filter '*'</c>; any BenchmarkDotNet switch works
/// (<c>--list flat</c>, <c>--filter '*Http*'</c>, ...). Results go to BenchmarkDotNet.Artifacts/ under the current folder.
/// </summary>
public static class BenchmarkProgram
{
    public static int Main(string[] args)
    {
        // The load suite's seeder (tests/UserAuth.Benchmarks/load/run.sh), not a benchmark.
        if (args.Length > 0 && args[0] == "seed")
        {
            return LoadSeed.RunAsync(args).GetAwaiter().GetResult();
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly)
            .Run(args, DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary));
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
