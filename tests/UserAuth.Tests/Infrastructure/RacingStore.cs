using System.Reflection;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace UserAuth.Tests.Infrastructure;

/// <summary>
/// The real store behind a storage port, with another writer's change run just before chosen operations
/// (<see cref="Over{TPort}"/>), or one operation answered by the test (<see cref="Answering{TPort}"/>): where a
/// concurrent request wins a race, for real. Give it to a service the test builds, or run a second service instance
/// over a fixture's store through it (<see cref="InstanceOver{TPort}"/>).
/// </summary>
internal static class RacingStore
{
    /// <summary><paramref name="inner"/>, running each hook just before the operation it names (by method name).</summary>
    public static TPort Over<TPort>(TPort inner, params (string Operation, Func<Task> Before)[] hooks)
        where TPort : class =>
        RacingProxy<TPort>.Create(inner, hooks.ToDictionary(h => h.Operation, h => h.Before), null, null);

    /// <summary><paramref name="inner"/>, with <paramref name="operation"/> answered by <paramref name="answer"/> (given its arguments).</summary>
    public static TPort Answering<TPort>(TPort inner, string operation, Func<object?[], object?> answer)
        where TPort : class =>
        RacingProxy<TPort>.Create(inner, new Dictionary<string, Func<Task>>(), operation, answer);

    /// <summary>A second instance of the service over the fixture's store, using the port through <paramref name="wrap"/>.</summary>
    public static WebApplicationFactory<Program> InstanceOver<TPort>(ApiFixture fixture, Func<TPort, TPort> wrap)
        where TPort : class =>
        fixture.Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            var registered = services.Last(d => d.ServiceType == typeof(TPort));
            services.Remove(registered);
            services.AddSingleton(sp => wrap((TPort)registered.ImplementationFactory!(sp)));
        }));
}

[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1852", Justification = "DispatchProxy derives from it at run time.")]
internal class RacingProxy<TPort> : DispatchProxy
    where TPort : class
{
    private static readonly MethodInfo ThenForwardResult =
        typeof(RacingProxy<TPort>).GetMethod(nameof(ThenForwardAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private TPort inner = null!;
    private IReadOnlyDictionary<string, Func<Task>> before = null!;
    private string? answered;
    private Func<object?[], object?>? answer;

    public static TPort Create(TPort inner, IReadOnlyDictionary<string, Func<Task>> before, string? answered,
        Func<object?[], object?>? answer)
    {
        var proxy = Create<TPort, RacingProxy<TPort>>();
        var racing = (RacingProxy<TPort>)(object)proxy;
        racing.inner = inner;
        racing.before = before;
        racing.answered = answered;
        racing.answer = answer;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod!.Name == answered)
        {
            return answer!(args ?? []);
        }

        if (!before.TryGetValue(targetMethod.Name, out var hook))
        {
            return Forward(targetMethod, args);
        }

        if (targetMethod.ReturnType == typeof(Task))
        {
            return ThenForwardVoidAsync(hook, targetMethod, args);
        }

        return ThenForwardResult.MakeGenericMethod(targetMethod.ReturnType.GetGenericArguments()[0])
            .Invoke(this, [hook, targetMethod, args]);
    }

    private async Task ThenForwardVoidAsync(Func<Task> hook, MethodInfo method, object?[]? args)
    {
        await hook();
        await (Task)Forward(method, args)!;
    }

    private async Task<TResult> ThenForwardAsync<TResult>(Func<Task> hook, MethodInfo method, object?[]? args)
    {
        await hook();
        return await (Task<TResult>)Forward(method, args)!;
    }

    private object? Forward(MethodInfo method, object?[]? args)
    {
        try
        {
            return method.Invoke(inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
