using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace UserAuth.Benchmarks;

/// <summary>
/// A short job that keeps the whole suite at a few minutes on 2 cores: 2 warm-up and 5 measured iterations, run in
/// this process (no generated project is built, so the run does not rebuild src/ and a host can be started once per
/// benchmark case). Error is the half-width of the 99.9% confidence interval over those 5 iterations.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(2)
            .WithIterationCount(5)
            .WithId("InProcess-2w5i"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median);
        AddColumn(CategoriesColumn.Default);
    }
}
