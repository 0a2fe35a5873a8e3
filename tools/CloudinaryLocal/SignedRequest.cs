using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Checkup.CloudinaryLocal;

/// <summary>A refusal in Cloudinary's words: its status and <c>error.message</c>.</summary>
public sealed record CloudinaryError(int Status, string Message);

/// <summary>
/// Cloudinary's checks of a signed Upload API request, written from its documentation (not from Checkup's signer, so
/// a bug there shows here): the cloud, the API key, a timestamp less than an hour old, and the SHA-1 of the sorted
/// <c>name=value</c> pairs of every signed field (empty values dropped, <c>&amp;</c> inside a pair as <c>%26</c>)
/// followed by the secret.
/// </summary>
public static class SignedRequest
{
    private static readonly HashSet<string> Unsigned = ["file", "api_key", "resource_type", "cloud_name", "signature"];

    public static CloudinaryError? Refusal(LocalCloudinaryOptions options, string cloud, IFormCollection form, DateTimeOffset now)
    {
        var account = options.Account;
        if (cloud != account.CloudName)
        {
            return new(404, $"Invalid cloud_name {cloud}");
        }

        if (string.IsNullOrEmpty(form["api_key"]))
        {
            return new(400, "Missing required parameter - api_key");
        }

        if (form["api_key"] != account.ApiKey)
        {
            return new(401, $"Unknown API key {form["api_key"]}");
        }

        if (string.IsNullOrEmpty(form["timestamp"]))
        {
            return new(400, "Missing required parameter - timestamp");
        }

        if (!long.TryParse(form["timestamp"], out var timestamp))
        {
            return new(400, $"Invalid timestamp {form["timestamp"]}");
        }

        if (now.ToUnixTimeSeconds() - timestamp > options.SignatureLifetime.TotalSeconds)
        {
            return new(400, $"Stale request - reported time is {DateTimeOffset.FromUnixTimeSeconds(timestamp):yyyy-MM-dd HH:mm:ss} +0000 which is more than 1 hour ago");
        }

        if (string.IsNullOrEmpty(form["signature"]))
        {
            return new(400, "Missing required parameter - signature");
        }

        var toSign = StringToSign(form);
        var expected = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(toSign + account.ApiSecret)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(form["signature"].ToString()), Encoding.ASCII.GetBytes(expected))
            ? null
            : new(401, $"Invalid Signature {form["signature"]}. String to sign - '{toSign}'.");
    }

    public static string StringToSign(IFormCollection form) => string.Join('&', form.Keys
        .Where(k => !Unsigned.Contains(k) && !string.IsNullOrEmpty(form[k]))
        .Order(StringComparer.Ordinal)
        .Select(k => (k + "=" + string.Join(',', form[k].ToArray())).Replace("&", "%26", StringComparison.Ordinal)));
}
