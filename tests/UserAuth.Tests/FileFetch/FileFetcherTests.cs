using System.Net;
using Microsoft.Extensions.Options;
using UserAuth.Api.Common.FileFetch;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.FileFetch;

/// <summary>The outbound fetch policy against a real loopback HTTP server and a test DNS hook.</summary>
public sealed class FileFetcherTests : IAsyncLifetime
{
    private LoopbackFileServer server = null!;

    public async ValueTask InitializeAsync() => server = await LoopbackFileServer.StartAsync();

    public async ValueTask DisposeAsync() => await server.DisposeAsync();

    private sealed class FakeDns(Dictionary<string, IPAddress[]> names) : IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
            names.TryGetValue(host, out var found) ? Task.FromResult(found) : new DnsHostResolver().ResolveAsync(host, cancellationToken);
    }

    private static FileFetcher Fetcher(Action<FileFetchOptions>? configure = null, Dictionary<string, IPAddress[]>? dns = null)
    {
        var options = new FileFetchOptions();
        configure?.Invoke(options);
        return new FileFetcher(Options.Create(options), new FakeDns(dns ?? []));
    }

    [Theory]
    [InlineData("https://10.0.0.5/users.csv", "private")]
    [InlineData("https://172.16.3.4/users.csv", "private")]
    [InlineData("https://192.168.1.1/users.csv", "private")]
    [InlineData("https://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("https://127.0.0.1/users.csv", "loopback")]
    [InlineData("https://[::1]/users.csv", "loopback")]
    [InlineData("https://[::ffff:10.0.0.1]/users.csv", "private")]
    [InlineData("https://[fd00::1]/users.csv", "private")]
    [InlineData("https://[fe80::1]/users.csv", "link-local")]
    [InlineData("https://0.0.0.0/users.csv", "unspecified")]
    [InlineData("https://[::]/users.csv", "unspecified")]
    [InlineData("https://224.0.0.1/users.csv", "multicast")]
    [InlineData("https://[ff02::1]/users.csv", "multicast")]
    [InlineData("https://100.64.0.1/users.csv", "shared")]
    [InlineData("http://files.example.com/users.csv", "https")]
    [InlineData("ftp://files.example.com/users.csv", "https")]
    [InlineData("file:///etc/passwd", "http")]
    [InlineData("https://user:pw@files.example.com/users.csv", "credentials")]
    [InlineData("users.csv", "absolute")]
    public void Urls_refused_on_their_face(string url, string reason)
    {
        using var fetcher = Fetcher();
        var e = Assert.Throws<FileFetchRefusedException>(() => fetcher.CheckUrl(url));
        Assert.Contains(reason, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Allow_loopback_opens_http_to_loopback_only()
    {
        using var fetcher = Fetcher(o => o.AllowLoopback = true);
        Assert.Null(fetcher.Explain("http://127.0.0.1:8080/users.csv"));
        Assert.Null(fetcher.Explain("http://127.9.9.9/users.csv"));
        Assert.Null(fetcher.Explain("http://[::1]:8080/users.csv"));
        Assert.Contains("private", fetcher.Explain("http://10.0.0.1/users.csv"));
        Assert.Contains("link-local", fetcher.Explain("https://169.254.169.254/"));
        Assert.Contains("https", fetcher.Explain("http://8.8.8.8/users.csv"));
        Assert.Null(fetcher.Explain("https://files.example.com/users.csv"));
    }

    [Fact]
    public async Task A_name_resolving_to_a_private_address_is_refused_at_connect()
    {
        using var fetcher = Fetcher(dns: new() { ["files.internal.test"] = [IPAddress.Parse("203.0.113.9"), IPAddress.Parse("10.1.2.3")] });
        Assert.Null(fetcher.Explain("https://files.internal.test/users.csv"));
        var e = await Assert.ThrowsAsync<FileFetchRefusedException>(() =>
            fetcher.OpenAsync(new Uri("https://files.internal.test/users.csv"), TestContext.Current.CancellationToken));
        Assert.Contains("private", e.Message);
    }

    [Fact]
    public async Task Localhost_is_refused_at_connect_without_allow_loopback()
    {
        var port = new Uri(server.BaseUrl).Port;
        using var fetcher = Fetcher();
        var e = await Assert.ThrowsAsync<FileFetchRefusedException>(() =>
            fetcher.OpenAsync(new Uri($"https://localhost:{port}/files/x.csv"), TestContext.Current.CancellationToken));
        Assert.Contains("loopback", e.Message);
    }

    [Fact]
    public async Task Http_to_a_name_resolving_to_a_public_address_is_refused_even_with_allow_loopback()
    {
        using var fetcher = Fetcher(o => o.AllowLoopback = true, new() { ["public.test"] = [IPAddress.Parse("203.0.113.9")] });
        var e = await Assert.ThrowsAsync<FileFetchRefusedException>(() =>
            fetcher.OpenAsync(new Uri("http://public.test/users.csv"), TestContext.Current.CancellationToken));
        Assert.Contains("loopback", e.Message);
    }

    [Fact]
    public async Task Fetches_from_loopback_when_allowed_and_streams()
    {
        var url = server.Serve("ok.csv", "email,action\na@b.co,add\n");
        using var fetcher = Fetcher(o => o.AllowLoopback = true);
        await using var file = await fetcher.OpenAsync(fetcher.CheckUrl(url), TestContext.Current.CancellationToken);
        using var reader = new StreamReader(file.Content);
        Assert.Equal("email,action\na@b.co,add\n", await reader.ReadToEndAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_redirect_to_a_private_address_is_refused()
    {
        using var fetcher = Fetcher(o => o.AllowLoopback = true);
        var e = await Assert.ThrowsAsync<FileFetchRefusedException>(() =>
            fetcher.OpenAsync(new Uri($"{server.BaseUrl}/redirect?to={Uri.EscapeDataString("http://10.0.0.7/users.csv")}"),
                TestContext.Current.CancellationToken));
        Assert.Contains("redirect", e.Message);
        Assert.Contains("private", e.Message);
    }

    [Fact]
    public async Task A_redirect_to_a_name_resolving_to_a_private_address_is_refused()
    {
        using var fetcher = Fetcher(o => o.AllowLoopback = true, new() { ["metadata.test"] = [IPAddress.Parse("169.254.169.254")] });
        var e = await Assert.ThrowsAsync<FileFetchRefusedException>(() =>
            fetcher.OpenAsync(new Uri($"{server.BaseUrl}/redirect?to={Uri.EscapeDataString("https://metadata.test/latest")}"),
                TestContext.Current.CancellationToken));
        Assert.Contains("link-local", e.Message);
    }

    [Fact]
    public async Task Redirects_within_policy_are_followed()
    {
        var url = server.Serve("target.csv", "user_id,action\n");
        using var fetcher = Fetcher(o => o.AllowLoopback = true);
        await using var file = await fetcher.OpenAsync(new Uri($"{server.BaseUrl}/redirect?to={Uri.EscapeDataString(url)}"),
            TestContext.Current.CancellationToken);
        Assert.Equal(url, file.FinalUri.ToString());
    }

    [Fact]
    public async Task Too_many_redirects_fail()
    {
        var inner = $"{server.BaseUrl}/redirect?to={Uri.EscapeDataString(server.Url("x.csv"))}";
        using var fetcher = Fetcher(o => { o.AllowLoopback = true; o.MaxRedirects = 0; });
        var e = await Assert.ThrowsAsync<FileFetchException>(() => fetcher.OpenAsync(new Uri(inner), TestContext.Current.CancellationToken));
        Assert.Contains("redirects", e.Message);
    }

    [Fact]
    public async Task Oversize_with_content_length_is_refused_before_reading()
    {
        var url = server.Serve("big.csv", new string('x', 5000));
        using var fetcher = Fetcher(o => { o.AllowLoopback = true; o.MaxBytes = 1000; });
        var e = await Assert.ThrowsAsync<FileFetchLimitException>(() => fetcher.OpenAsync(new Uri(url), TestContext.Current.CancellationToken));
        Assert.Contains("larger than 1000 bytes", e.Message);
    }

    [Fact]
    public async Task Oversize_without_content_length_fails_while_streaming()
    {
        using var fetcher = Fetcher(o => { o.AllowLoopback = true; o.MaxBytes = 10_000; });
        var e = await Assert.ThrowsAsync<FileFetchLimitException>(async () =>
        {
            using var spooled = await fetcher.DownloadAsync(new Uri($"{server.BaseUrl}/chunked?bytes=100000"), TestContext.Current.CancellationToken);
        });
        Assert.Contains("larger than 10000 bytes", e.Message);
    }

    [Fact]
    public async Task A_stalled_download_times_out()
    {
        using var fetcher = Fetcher(o => { o.AllowLoopback = true; o.TimeoutSeconds = 1; });
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<FileFetchException>(async () =>
        {
            using var spooled = await fetcher.DownloadAsync(new Uri($"{server.BaseUrl}/slow?seconds=20"), TestContext.Current.CancellationToken);
        });
        Assert.Contains("longer than 1 s", e.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_missing_file_fails_with_the_status()
    {
        using var fetcher = Fetcher(o => o.AllowLoopback = true);
        var e = await Assert.ThrowsAsync<FileFetchException>(() => fetcher.OpenAsync(new Uri(server.Url("nope.csv")), TestContext.Current.CancellationToken));
        Assert.Contains("HTTP 404", e.Message);
    }

    [Fact]
    public async Task Csv_rows_stream_with_quotes_and_a_row_cap()
    {
        const string csv = "Email,Action\r\n\"a,b\"\"c\"@x.co,add\n\nline,\"two\nlines\"\nz@x.co,remove\n";
        using var reader = new StringReader(csv);
        var header = await CsvRows.ReadHeaderAsync(reader, TestContext.Current.CancellationToken);
        Assert.Equal(["email", "action"], header);
        var rows = new List<CsvRow>();
        await foreach (var row in CsvRows.ReadAsync(reader, 10, TestContext.Current.CancellationToken))
        {
            rows.Add(row);
        }

        Assert.Equal(3, rows.Count);
        Assert.Equal("a,b\"c@x.co", rows[0].Fields[0]);
        Assert.Equal("two\nlines", rows[1].Fields[1]);
        Assert.Equal(3, rows[2].Number);

        using var capped = new StringReader("email,action\n" + string.Concat(Enumerable.Repeat("a@b.co,add\n", 11)));
        var e = await Assert.ThrowsAsync<FileFetchLimitException>(() => CsvRows.CountAsync(capped, 10, TestContext.Current.CancellationToken));
        Assert.Contains("more than 10 rows", e.Message);
    }
}
