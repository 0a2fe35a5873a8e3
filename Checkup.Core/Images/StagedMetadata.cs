using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Checkup.Core.Images;

/// <summary>
/// The staged blob carries what the row needs (hash, size in pixels), so an upload that crashed between storing
/// the blob and updating the row can be completed by the cleanup from the blob alone; its owner tag lets an erasure find
/// it without listing the container.
/// </summary>
internal static class StagedMetadata
{
    public static Dictionary<string, string> From(StagedImage staged, string ownerId) => new()
    {
        ["sha256"] = staged.Sha256,
        ["width"] = staged.Width.ToString(CultureInfo.InvariantCulture),
        ["height"] = staged.Height.ToString(CultureInfo.InvariantCulture),
        ["owner"] = Uri.EscapeDataString(ownerId), // metadata values must be ASCII
    };

    /// <summary>
    /// The blob index tag that finds a person's staged blobs without listing the container (an erasure asks storage for
    /// <see cref="OwnerFilter"/>). Set with the blob's first write. Its value is a SHA-256 of the person's id: tags allow
    /// few characters, and whoever may read tags need not read who uploaded.
    /// </summary>
    public static Dictionary<string, string> Tags(string ownerId) => new() { [OwnerTag] = OwnerKey(ownerId) };

    /// <summary>The Find Blobs by Tags expression for the staged blobs of <paramref name="ownerId"/>.</summary>
    public static string OwnerFilter(string ownerId) => $"\"{OwnerTag}\" = '{OwnerKey(ownerId)}'";

    private const string OwnerTag = "owner";

    private static string OwnerKey(string ownerId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ownerId)));

    public static StagedImage? Read(string blobName, string? contentType, long bytes, IDictionary<string, string> metadata)
    {
        return metadata.TryGetValue("sha256", out var sha256) &&
               metadata.TryGetValue("width", out var w) && int.TryParse(w, CultureInfo.InvariantCulture, out var width) &&
               metadata.TryGetValue("height", out var h) && int.TryParse(h, CultureInfo.InvariantCulture, out var height) &&
               contentType is not null
            ? new StagedImage(blobName, contentType, bytes, width, height, sha256)
            : null;
    }
}
