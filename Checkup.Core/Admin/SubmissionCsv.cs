using System.Globalization;
using System.Text;

namespace Checkup.Core.Admin;

/// <summary>
/// The reviewers' export: one row per submission, the three projects as columns (with the image's id, status and
/// Cloudinary URL). UTF-8 with a byte order mark, without which spreadsheet programs read Cyrillic as mojibake.
/// </summary>
public static class SubmissionCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static readonly IReadOnlyList<string> Header =
    [
        "submission_id", "author_id", "status", "version", "created_at", "updated_at", "submitted_at",
        .. Enumerable.Range(1, 3).SelectMany(i => new[]
        {
            $"project_{i}_name", $"project_{i}_role", $"project_{i}_description",
            $"project_{i}_image_id", $"project_{i}_image_status", $"project_{i}_image_url",
        }),
    ];

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes the header and every row as it arrives, through a fixed buffer; flushes at the end.</summary>
    public static async Task<int> WriteAsync(IAsyncEnumerable<AdminSubmission> submissions, Stream output, CancellationToken ct)
    {
        // Async all the way: Kestrel refuses synchronous writes, which a synchronous Dispose would make.
        await using var text = new StreamWriter(output, Utf8, bufferSize: 16 * 1024, leaveOpen: true);
        await text.WriteAsync("\uFEFF".AsMemory(), ct);
        var csv = new CsvWriter(text);
        await csv.WriteRowAsync(Header, ct);
        var rows = 0;
        await foreach (var submission in submissions.WithCancellation(ct))
        {
            await csv.WriteRowAsync(Cells(submission), ct);
            rows++;
        }

        await text.FlushAsync(ct);
        return rows;
    }

    public static IEnumerable<string?> Cells(AdminSubmission s)
    {
        yield return s.Id.ToString();
        yield return s.AuthorId;
        yield return s.Status;
        yield return s.Version.ToString(CultureInfo.InvariantCulture);
        yield return Time(s.CreatedAt);
        yield return Time(s.UpdatedAt);
        yield return s.SubmittedAt is { } submitted ? Time(submitted) : null;
        foreach (var p in s.Projects)
        {
            yield return p.Name;
            yield return p.Role;
            yield return p.Description;
            yield return p.ImageId?.ToString();
            yield return p.Image?.Status;
            yield return p.Image?.Url;
        }
    }

    /// <summary>UTC to the microsecond (PostgreSQL's precision), ISO 8601.</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
