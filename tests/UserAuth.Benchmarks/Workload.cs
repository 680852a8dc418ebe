using System.Globalization;

namespace UserAuth.Benchmarks;

/// <summary>The query values every customers benchmark uses, picked from the seeded users.</summary>
internal sealed class Workload
{
    public Workload(IReadOnlyList<SeedUser> users)
    {
        EmailQuery = users[4242].Email;
        var phone = users[7777].Phone;
        PhoneQuery = $"+91 {phone[..5]} {phone[5..]}";
        var username = users[1234].Username;
        PrefixQuery = username[..Math.Min(4, username.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot ? dot : username.Length)];
        SearchValues =
        [
            .. Enumerable.Range(0, 5).Select(i => users[(i * 1_999) + 11].Email),
            .. Enumerable.Range(0, 5).Select(i => Formatted(users[(i * 1_987) + 523].Phone, i)),
        ];
        UpdateUserId = users[5000].Id;
    }

    public string EmailQuery { get; }

    /// <summary>A seeded mobile as people type it: <c>+91 98000 07777</c>.</summary>
    public string PhoneQuery { get; }

    /// <summary>The first letters of a seeded username (matches a few dozen users by username or name prefix).</summary>
    public string PrefixQuery { get; }

    /// <summary>Five emails and five phones (in several formats) of ten seeded users.</summary>
    public IReadOnlyList<string> SearchValues { get; }

    public string UpdateUserId { get; }

    public const int DeepPageNo = 500;
    public const int DeepPageSize = 10;

    private static string Formatted(string national, int style) => style switch
    {
        0 => national,
        1 => "+91" + national,
        2 => $"+91 {national[..5]} {national[5..]}",
        3 => "0" + national,
        _ => $"({national[..3]}) {national[3..6]}-{national[6..]}",
    };

    /// <summary>A fresh valid Indian mobile per create (7xxxxxxxxx; seeded users hold 98000xxxxx).</summary>
    public static string NewPhone(int n) => (7_000_000_000L + n).ToString(CultureInfo.InvariantCulture);
}
