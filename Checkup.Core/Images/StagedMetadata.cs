using System.Globalization;

namespace Checkup.Core.Images;

/// <summary>
/// The staged blob carries what the row needs (hash, size in pixels), so an upload that crashed between storing
/// the blob and updating the row can be completed by the cleanup from the blob alone.
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
