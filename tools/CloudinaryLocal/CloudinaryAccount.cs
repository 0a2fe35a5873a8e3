namespace Checkup.CloudinaryLocal;

/// <summary>The account this server plays: what a <c>cloudinary://key:secret@cloud</c> URL names.</summary>
public sealed record LocalAccount(string ApiKey, string ApiSecret, string CloudName)
{
    public string Url => $"cloudinary://{ApiKey}:{ApiSecret}@{CloudName}";

    /// <summary>null unless <paramref name="url"/> is <c>cloudinary://&lt;key&gt;:&lt;secret&gt;@&lt;cloud&gt;</c>.</summary>
    public static LocalAccount? Parse(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "cloudinary" || uri.UserInfo.Split(':') is not [var key, var secret] ||
            key.Length == 0 || secret.Length == 0 || uri.Host.Length == 0)
        {
            return null;
        }

        return new(Uri.UnescapeDataString(key), Uri.UnescapeDataString(secret), uri.Host);
    }
}

/// <summary>Settings of one server.</summary>
public sealed record LocalCloudinaryOptions(LocalAccount Account, string DataDirectory)
{
    /// <summary>Cloudinary's free plan: larger images are refused with 400 "File size too large".</summary>
    public long MaxImageBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>How long a signed request stays valid after its timestamp ("Stale request" after that).</summary>
    public TimeSpan SignatureLifetime { get; init; } = TimeSpan.FromHours(1);
}
