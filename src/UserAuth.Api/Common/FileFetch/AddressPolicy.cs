using System.Net;
using System.Net.Sockets;

namespace UserAuth.Api.Common.FileFetch;

/// <summary>
/// Which addresses an outbound fetch may connect to. Refused: loopback, private (RFC 1918, fc00::/7), shared (100.64/10),
/// link-local (169.254/16 with cloud metadata, fe80::/10), multicast, unspecified, broadcast and reserved ranges, also
/// when written as IPv4-mapped, IPv4-compatible or NAT64 IPv6. With <c>allowLoopback</c>, 127.0.0.0/8 and ::1 pass.
/// </summary>
internal static class AddressPolicy
{
    /// <summary>Why <paramref name="address"/> is refused, or null when it may be used.</summary>
    public static string? Refusal(IPAddress address, bool allowLoopback)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return Refusal(address.MapToIPv4(), allowLoopback);
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            if (IPAddress.IPv6Loopback.Equals(address))
            {
                return allowLoopback ? null : "a loopback address";
            }

            if (IPAddress.IPv6Any.Equals(address))
            {
                return "an unspecified address";
            }

            // ::a.b.c.d (IPv4-compatible) and 64:ff9b::a.b.c.d (NAT64) carry an IPv4 address: judge that one.
            if (b.Take(12).All(x => x == 0) || (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.Skip(4).Take(8).All(x => x == 0)))
            {
                return Refusal(new IPAddress(b[12..]), allowLoopback: false) is { } inner ? inner + " (embedded in IPv6)" : null;
            }

            if (address.IsIPv6Multicast || b[0] == 0xff)
            {
                return "a multicast address";
            }

            if (address.IsIPv6LinkLocal || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
            {
                return "a link-local address";
            }

            if (address.IsIPv6SiteLocal || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0))
            {
                return "a site-local address";
            }

            if ((b[0] & 0xfe) == 0xfc)
            {
                return "a private address";
            }

            if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
            {
                return "a documentation address";
            }

            // 2002::/16 (6to4) embeds an IPv4 address in bytes 2..5.
            if (b[0] == 0x20 && b[1] == 0x02)
            {
                return Refusal(new IPAddress(b[2..6]), allowLoopback: false) is { } inner ? inner + " (embedded in 6to4)" : null;
            }

            return null;
        }

        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return "not an IP address";
        }

        var v = address.GetAddressBytes();
        return v switch
        {
            [127, ..] => allowLoopback ? null : "a loopback address",
            [0, ..] => "an unspecified address",
            [10, ..] => "a private address",
            [172, >= 16 and <= 31, ..] => "a private address",
            [192, 168, ..] => "a private address",
            [100, >= 64 and <= 127, ..] => "a shared (carrier-grade NAT) address",
            [169, 254, ..] => "a link-local address (cloud metadata lives here)",
            [192, 0, 0, _] => "a reserved address",
            [198, 18 or 19, ..] => "a reserved (benchmarking) address",
            [>= 224 and <= 239, ..] => "a multicast address",
            [255, 255, 255, 255] => "a broadcast address",
            [>= 240, ..] => "a reserved address",
            _ => null,
        };
    }
}
