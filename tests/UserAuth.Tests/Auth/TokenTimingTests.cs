using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Auth;

/// <summary>
/// Issue 10 item 6: another company's client with its correct secret is refused in the time a wrong secret takes
/// (it answered in 1 ms against 29 ms, from the cache of verified secrets), so timing tells nothing more than the answer.
/// </summary>
[Collection(SqliteCollection.Name)]
public sealed class TokenTimingTests(SqliteApiFixture fixture)
{
    [Fact]
    public async Task Another_companys_correct_secret_costs_what_a_wrong_secret_costs()
    {
        var http = fixture.Anonymous();
        // The right secret verified once for its own company: from now on it sits in the cache of verified secrets.
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(http, TestClients.Main.CompanyId, TestClients.Main.Secret));

        var otherCompany = new List<double>();
        var wrongSecret = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            otherCompany.Add(await TimeAsync(http, TestClients.OtherCompany.CompanyId, TestClients.Main.Secret));
            wrongSecret.Add(await TimeAsync(http, TestClients.Main.CompanyId, "not-the-secret-123"));
        }

        // The fastest of several tries: load on a shared machine only ever makes a request slower, so the minimum is
        // what the work itself costs (a cache hit is ~1 ms, one PBKDF2 verification ~25 ms).
        var other = otherCompany.Min();
        var wrong = wrongSecret.Min();
        Assert.True(other >= wrong * 0.4, $"another company's correct secret: {other:F1} ms; a wrong secret: {wrong:F1} ms");
    }

    private static async Task<double> TimeAsync(HttpClient http, string company, string secret)
    {
        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.Unauthorized, await TokenStatusAsync(http, company, secret));
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task<HttpStatusCode> TokenStatusAsync(HttpClient http, string company, string secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/service/panel/authentication/v1.0/company/{company}/oauth/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{TestClients.Main.ClientId}:{secret}")));
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }
}

/// <summary>Issue 10 item 6: a token request whose form is over a size limit is the documented 413, not a 400.</summary>
[Collection(SqliteCollection.Name)]
public sealed class TokenFormLimitTests(SqliteApiFixture fixture)
{
    [Fact]
    public async Task An_oversized_token_form_is_413_with_the_error_body()
    {
        var http = fixture.Anonymous();
        // Over the form's value count limit (1024): a form MVC refuses to read, like one over the body limit.
        var fields = Enumerable.Range(0, 1100).Select(i => new KeyValuePair<string, string>("grant_type", "client_credentials")).ToList();
        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"/service/panel/authentication/v1.0/company/{TestClients.Main.CompanyId}/oauth/token")
        {
            Content = new FormUrlEncodedContent(fields),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{TestClients.Main.ClientId}:{TestClients.Main.Secret}")));

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Http.AssertError(await response.ExpectAsync(HttpStatusCode.RequestEntityTooLarge), "payload_too_large");
    }
}
