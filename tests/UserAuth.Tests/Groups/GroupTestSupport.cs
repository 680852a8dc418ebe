using System.Net;
using System.Text.Json;
using UserAuth.Tests.Infrastructure;

namespace UserAuth.Tests.Groups;

/// <summary>Small helpers of the group tests: users to name in files, waiting for a run to finish.</summary>
internal static class GroupTestSupport
{
    /// <summary>Kept for tests written before the shared builders: use <see cref="TestUsers.NewCustomerAsync(HttpClient, string, string?, string?, string?, string?, string?, string)"/>.</summary>
    public static async Task<(string Id, string Email, string Phone)> NewUserAsync(HttpClient http, string prefix)
    {
        var email = Build.Email();
        var phone = Build.Phone();
        var user = (await http.PostJsonAsync($"{prefix}/customers", Build.User(email: email, phone: phone))).GetProperty("user");
        return (user.GetProperty("_id").GetString()!, email, phone);
    }

    /// <summary>Polls the group until its status is no longer pending / processing.</summary>
    public static async Task<JsonElement> WaitDoneAsync(HttpClient http, string prefix, long uid, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var group = await http.GetJsonAsync($"{prefix}/user_group/{uid}");
            var status = group.GetProperty("status").GetString();
            if (status is "completed" or "failed")
            {
                return group;
            }

            Assert.True(DateTime.UtcNow < until, $"the group is still {status} after {seconds} s");
            await Task.Delay(100);
        }
    }

    public static async Task<List<string>> MembersAsync(HttpClient http, string prefix, long uid, int pageSize = 100)
    {
        var all = new List<string>();
        for (var page = 1; ; page++)
        {
            var body = await http.GetJsonAsync($"{prefix}/user_group/{uid}/users?page_no={page}&page_size={pageSize}");
            all.AddRange(body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("user_id").GetString()!));
            if (!body.GetProperty("page").GetProperty("has_next").GetBoolean())
            {
                return all;
            }
        }
    }

    public static async Task<List<long>> GroupsOfAsync(HttpClient http, string prefix, string userId)
    {
        var body = await http.GetJsonAsync($"{prefix}/user_group/user/{userId}?page_size=100");
        return body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("uid").GetInt64()).ToList();
    }

    public static async Task<string> ReportAsync(HttpClient http, string fileUrl)
    {
        var response = await http.GetAsync(fileUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/csv", response.Content.Headers.ContentType?.ToString());
        return await response.Content.ReadAsStringAsync();
    }
}
