using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Hosting;

/// <summary>
/// Issue 10 item 6: every error the service sends has the documented body, including the requests Kestrel refuses
/// before any middleware runs. Raw bytes over a socket to the built service in its own process (real Kestrel, not
/// the in-memory test server, which has no request parser of its own).
/// </summary>
public sealed class KestrelRejectionTests : IAsyncLifetime
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "userauth-kestrel-" + Guid.NewGuid().ToString("N"));
    private ServiceProcess service = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var settings = ApiFactory.BaseSettings();
        settings["Storage:Provider"] = "Sqlite";
        settings["Storage:Sqlite:Path"] = Path.Combine(folder, "userauth.db");
        settings["BulkJobs:Directory"] = Path.Combine(folder, "jobs");
        service = await ServiceProcess.StartAsync(settings);
    }

    public async ValueTask DisposeAsync()
    {
        await service.DisposeAsync();
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static TheoryData<string, string, int, string> Rejections => new()
    {
        { "a NUL in the path", "GET /service/platform/user/v1.0/company/1001/application/%00/customers/list HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request" },
        { "a request line over 8 KB", $"GET /{new string('a', 9000)} HTTP/1.1\r\nHost: a\r\n\r\n", 414, "uri_too_long" },
        { "headers over 32 KB", $"GET / HTTP/1.1\r\nHost: a\r\nX-Big: {new string('b', 40_000)}\r\n\r\n", 431, "headers_too_large" },
        { "a malformed request line", "GARBAGE\r\n\r\n", 400, "bad_request" },
        { "a header without a colon", "GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n", 400, "bad_request" },
        { "an unknown HTTP version", "GET / HTTP/9.9\r\nHost: a\r\n\r\n", 505, "http_version_not_supported" },
        { "a Content-Length that is not a number", "POST /service/panel/authentication/v1.0/company/1001/oauth/token HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 400, "bad_request" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task Kestrels_own_rejections_carry_the_error_body(string what, string request, int status, string code)
    {
        var (answered, headers, body) = await RawAsync(Encoding.Latin1.GetBytes(request));
        Assert.True(answered == status, $"{what}: expected {status}, got {answered}");
        Assert.Contains("Content-Type: application/json; charset=utf-8", headers);
        AssertErrorBody(body, code);
    }

    [Fact]
    public async Task A_rejection_after_a_good_request_on_the_same_connection_gets_the_body_and_the_good_answer_is_untouched()
    {
        var request = Encoding.Latin1.GetBytes(
            "GET /health/live HTTP/1.1\r\nHost: a\r\n\r\n" +
            "GET /service/platform/user/v1.0/company/1001/application/%00/customers/list HTTP/1.1\r\nHost: a\r\n\r\n");
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, service.Port, Ct);
        var stream = client.GetStream();
        await stream.WriteAsync(request, Ct);
        var all = await ReadToEndAsync(stream);

        var second = all.IndexOf("HTTP/1.1 400", StringComparison.Ordinal);
        Assert.True(all.StartsWith("HTTP/1.1 200", StringComparison.Ordinal), all);
        Assert.True(second > 0, all);
        AssertErrorBody(all[(all.IndexOf("\r\n\r\n", second, StringComparison.Ordinal) + 4)..], "bad_request");
    }

    [Fact]
    public async Task The_services_own_answers_pass_unchanged()
    {
        using var anonymous = service.Anonymous();
        using var unauthorized = await anonymous.GetAsync("/no/such/route", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        AssertErrorBody(await unauthorized.Content.ReadAsStringAsync(Ct), "unauthorized");
        using var head = new HttpRequestMessage(HttpMethod.Head, "/no/such/route");
        using var headAnswer = await anonymous.SendAsync(head, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, headAnswer.StatusCode);
        Assert.Empty(await headAnswer.Content.ReadAsByteArrayAsync(Ct));

        var http = await service.ClientAsync();
        using var missing = await http.GetAsync("/no/such/route", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        AssertErrorBody(await missing.Content.ReadAsStringAsync(Ct), "route_not_found");

        // A large answer (streamed by MVC's JSON writer in several flushes) arrives whole and parses.
        var app = Http.App(ApiFixture.NewApplicationId());
        for (var i = 0; i < 30; i++)
        {
            await http.PostJsonAsync($"{app}/customers", Build.User());
        }

        var page = await http.GetJsonAsync($"{app}/customers/list?page_size=100");
        Assert.Equal(30, page.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task A_form_of_one_and_a_half_megabytes_to_the_token_endpoint_is_413_with_the_body()
    {
        using var http = service.Anonymous();
        var form = "grant_type=client_credentials&pad=" + new string('x', 1_500_000);
        using var content = new StringContent(form, Encoding.ASCII, "application/x-www-form-urlencoded");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/service/panel/authentication/v1.0/company/{TestClients.Main.CompanyId}/oauth/token")
        {
            Content = content,
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestClients.Main.ClientId}:{TestClients.Main.Secret}")));
        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        AssertErrorBody(await response.Content.ReadAsStringAsync(Ct), "payload_too_large");
    }

    private async Task<(int Status, string Headers, string Body)> RawAsync(byte[] request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, service.Port, Ct);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(request, Ct);
        }
        catch (IOException)
        {
            // Kestrel may answer and close before it has read everything sent.
        }

        var text = await ReadToEndAsync(stream);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, $"no response head: {text}");
        return (int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture), text[..end], text[(end + 4)..]);
    }

    /// <summary>Everything until Kestrel closes the connection (every rejection closes it).</summary>
    private static async Task<string> ReadToEndAsync(NetworkStream stream)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, timeout.Token)) > 0)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException)
        {
            // A reset after the answer: what arrived is what counts.
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void AssertErrorBody(string text, string code)
    {
        var body = JsonDocument.Parse(text).RootElement;
        Http.AssertError(body, code);
    }
}
