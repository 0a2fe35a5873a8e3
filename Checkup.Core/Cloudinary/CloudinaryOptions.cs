namespace Checkup.Core.Cloudinary;

/// <summary>
/// <c>CLOUDINARY_URL=cloudinary://&lt;api_key&gt;:&lt;api_secret&gt;@&lt;cloud_name&gt;</c> and the optional
/// <c>Cloudinary__ApiBaseUrl</c> override (tests, proxies).
/// </summary>
public sealed class CloudinaryOptions
{
    public string? Url { get; set; }
    public Uri ApiBaseUrl { get; set; } = new("https://api.cloudinary.com");
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public string ApiKey => Parsed().ApiKey;
    public string ApiSecret => Parsed().ApiSecret;
    public string CloudName => Parsed().CloudName;

    private CloudinaryAccount? _parsed;

    private CloudinaryAccount Parsed() => _parsed ??= CloudinaryAccount.Parse(Url)
        ?? throw new InvalidOperationException(Problem(this));

    internal static string? Problem(CloudinaryOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Url))
        {
            return "CLOUDINARY_URL is not set: expected 'cloudinary://<api_key>:<api_secret>@<cloud_name>'.";
        }

        return CloudinaryAccount.Parse(options.Url) is null
            ? "CLOUDINARY_URL is malformed: expected 'cloudinary://<api_key>:<api_secret>@<cloud_name>'."
            : null;
    }
}

public sealed record CloudinaryAccount(string ApiKey, string ApiSecret, string CloudName)
{
    private const string Scheme = "cloudinary://";

    /// <summary>Parses by hand: <see cref="Uri"/> would lowercase the cloud name.</summary>
    public static CloudinaryAccount? Parse(string? url)
    {
        url = url?.Trim();
        if (url is null || !url.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = url[Scheme.Length..];
        var query = rest.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            rest = rest[..query];
        }

        var at = rest.LastIndexOf('@');
        var colon = at < 0 ? -1 : rest.IndexOf(':', StringComparison.Ordinal);
        if (at < 0 || colon <= 0 || colon > at - 2 || at == rest.Length - 1)
        {
            return null;
        }

        var cloudName = rest[(at + 1)..].TrimEnd('/');
        return cloudName.Length == 0 || cloudName.Contains('/', StringComparison.Ordinal)
            ? null
            : new CloudinaryAccount(Uri.UnescapeDataString(rest[..colon]), Uri.UnescapeDataString(rest[(colon + 1)..at]), cloudName);
    }
}
