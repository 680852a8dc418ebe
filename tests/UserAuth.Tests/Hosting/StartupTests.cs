using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Hosting;

/// <summary>A wrong or unreachable store, or a missing secret, stops start-up with a message naming the setting.</summary>
public sealed class StartupTests
{
    private static Exception StartWith(params (string Key, string? Value)[] overrides)
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Sqlite:Path"] = Path.Combine(Path.GetTempPath(), $"userauth-startup-{Guid.NewGuid():N}.db");
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        using var factory = new ApiFactory(settings);
        return Assert.ThrowsAny<Exception>(() => factory.Server);
    }

    private static string AllMessages(Exception e) =>
        string.Join(" | ", new[] { e }.Concat(e is AggregateException a ? a.Flatten().InnerExceptions : []).SelectMany(Chain).Select(x => x.Message));

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            yield return x;
        }
    }

    [Fact]
    public void An_unknown_provider_fails_naming_the_setting()
    {
        var e = StartWith(("Storage:Provider", "Oracle"));
        Assert.Contains("'Oracle' at 'Storage:Provider'", AllMessages(e), StringComparison.Ordinal);
        Assert.Contains("'Sqlite' (default) or 'MongoDb'", AllMessages(e), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_mongodb_fails_start_up()
    {
        var e = StartWith(("Storage:Provider", "MongoDb"), ("Storage:MongoDb:ConnectionString", "mongodb://127.0.0.1:9/?connectTimeoutMS=500"),
            ("Storage:MongoDb:ConnectTimeoutSeconds", "1"));
        Assert.Contains("MongoDb store is unreachable", AllMessages(e), StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_mongodb_connection_string_fails_naming_the_setting()
    {
        var e = StartWith(("Storage:Provider", "MongoDb"), ("Storage:MongoDb:ConnectionString", "http://not-mongo"));
        Assert.Contains("Storage:MongoDb:ConnectionString", AllMessages(e), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unusable_sqlite_path_fails_start_up()
    {
        var file = Path.GetTempFileName(); // a file where the folder should be
        var e = StartWith(("Storage:Sqlite:Path", Path.Combine(file, "sub", "userauth.db")));
        Assert.Contains("cannot be opened", AllMessages(e), StringComparison.Ordinal);
        File.Delete(file);
    }

    [Fact]
    public void A_short_signing_key_fails_naming_the_setting()
    {
        var e = StartWith(("Auth:SigningKey", "too-short"));
        Assert.Contains("Auth:SigningKey", AllMessages(e), StringComparison.Ordinal);
    }
}
