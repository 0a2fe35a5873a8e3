using System.Globalization;

namespace Checkup.Functions.Submissions;

/// <summary>A submission's entity tag is its version, quoted: <c>"3"</c>.</summary>
public static class ETags
{
    public static string For(int version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>
    /// The versions an <c>If-Match</c> header accepts: null for "any" (absent or <c>*</c>); otherwise the listed strong
    /// tags. Weak and unreadable tags match nothing (RFC 9110 compares If-Match strongly), so they end in a 412.
    /// </summary>
    public static int[]? ParseIfMatch(string? header)
    {
        if (string.IsNullOrWhiteSpace(header) || header.Trim() == "*")
        {
            return null;
        }

        var versions = new List<int>();
        foreach (var tag in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (tag.Length >= 3 && tag[0] == '"' && tag[^1] == '"'
                && int.TryParse(tag.AsSpan(1, tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                versions.Add(version);
            }
        }

        return [.. versions];
    }
}
