using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Hosting;

/// <summary>
/// The service does not watch its configuration files: the watcher would watch the whole content root, where the
/// embedded store writes by default, and read an event for every write to the database.
/// </summary>
public sealed class ConfigurationWatchTests
{
    [Fact]
    public void No_configuration_file_is_reloaded_on_change()
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Sqlite:Path"] = Path.Combine(Path.GetTempPath(), $"userauth-watch-{Guid.NewGuid():N}.db");
        using var factory = new ApiFactory(settings);
        var configuration = (IConfigurationRoot)factory.Services.GetRequiredService<IConfiguration>();
        var files = configuration.Providers.OfType<FileConfigurationProvider>().ToList();
        Assert.NotEmpty(files);
        Assert.All(files, file => Assert.False(file.Source.ReloadOnChange, file.Source.Path));
    }
}
