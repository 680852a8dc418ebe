using System.Net.Mail;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PhoneNumbers;

namespace UserAuth.Api.Features.Customers;

internal sealed record NormalizedPhone(int CountryCode, string NationalNumber)
{
    public string E164 => $"+{CountryCode}{NationalNumber}";
}

/// <summary>Parses and normalises phones (libphonenumber) and emails.</summary>
internal sealed partial class Identifiers(IOptions<CustomerOptions> options)
{
    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    /// <summary>Any common format: <c>+91 98765 43210</c>, <c>098765-43210</c>, <c>(987) 654 3210</c>, <c>919876543210</c>.</summary>
    public NormalizedPhone? ParsePhone(string? raw, string? countryCode = null)
    {
        // A request's phone is parsed by its validator and again when the user is built, on the same thread:
        // the last answer per thread saves the second (costly) libphonenumber parse.
        if (lastPhone is { } last && ReferenceEquals(last.Owner, this) && ReferenceEquals(last.Raw, raw) && last.CountryCode == countryCode)
        {
            return last.Result;
        }

        var result = Parse(raw, countryCode);
        lastPhone = new LastPhone(this, raw, countryCode, result);
        return result;
    }

    [ThreadStatic]
    private static LastPhone? lastPhone;

    private sealed record LastPhone(Identifiers Owner, string? Raw, string? CountryCode, NormalizedPhone? Result);

    private NormalizedPhone? Parse(string? raw, string? countryCode)
    {
        if (string.IsNullOrWhiteSpace(raw) || raw.Length > 32 || !PhoneChars().IsMatch(raw))
        {
            return null;
        }

        var text = raw.Trim();
        if (!string.IsNullOrWhiteSpace(countryCode))
        {
            var cc = countryCode.Trim().TrimStart('+');
            if (!int.TryParse(cc, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
                || Phones.GetRegionCodeForCountryCode(code) == "ZZ")
            {
                return null;
            }

            return text.StartsWith('+') ? TryParse(text, null) : TryParse(text, Phones.GetRegionCodeForCountryCode(code));
        }

        return TryParse(text, options.Value.DefaultPhoneRegion)
               ?? (text.StartsWith('+') ? null : TryParse("+" + text, null));
    }

    private static NormalizedPhone? TryParse(string text, string? region)
    {
        try
        {
            var number = Phones.Parse(text, region ?? "ZZ");
            if (!Phones.IsValidNumber(number))
            {
                return null;
            }

            return new NormalizedPhone(number.CountryCode, Phones.GetNationalSignificantNumber(number));
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>Trimmed and lower-cased, or null when not an address.</summary>
    public static string? NormalizeEmail(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var text = raw.Trim();
        if (text.Length > 254 || !EmailShape().IsMatch(text) || !MailAddress.TryCreate(text, out var address) ||
            address.Address != text)
        {
            return null;
        }

        return text.ToLowerInvariant();
    }

    [GeneratedRegex(@"^[+0-9()\-.\s]+$")]
    private static partial Regex PhoneChars();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailShape();
}
