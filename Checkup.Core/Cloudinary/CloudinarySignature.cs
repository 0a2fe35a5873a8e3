using System.Security.Cryptography;
using System.Text;

namespace Checkup.Core.Cloudinary;

/// <summary>
/// Cloudinary's request signature: every field sent except <c>file</c>, <c>api_key</c>, <c>resource_type</c>,
/// <c>cloud_name</c> and <c>signature</c>, empty values dropped, sorted by name (ordinal), written as
/// <c>name=value</c> with <c>&amp;</c> inside a pair escaped as <c>%26</c>, joined with <c>&amp;</c>, the API secret
/// appended, hashed (SHA-1 unless the account asks for SHA-256), lowercase hex.
/// </summary>
public static class CloudinarySignature
{
    private static readonly HashSet<string> Unsigned = new(StringComparer.Ordinal) { "file", "api_key", "resource_type", "cloud_name", "signature" };

    public static string Sign(IEnumerable<KeyValuePair<string, string>> fields, string apiSecret, bool sha256 = false)
    {
        var toSign = StringToSign(fields) + apiSecret;
        var bytes = Encoding.UTF8.GetBytes(toSign);
        var hash = sha256 ? SHA256.HashData(bytes) : SHA1.HashData(bytes);
        return Convert.ToHexStringLower(hash);
    }

    internal static string StringToSign(IEnumerable<KeyValuePair<string, string>> fields) => string.Join('&', fields
        .Where(f => !Unsigned.Contains(f.Key) && !string.IsNullOrEmpty(f.Value))
        .OrderBy(f => f.Key, StringComparer.Ordinal)
        .Select(f => $"{f.Key}={f.Value}".Replace("&", "%26", StringComparison.Ordinal)));
}
