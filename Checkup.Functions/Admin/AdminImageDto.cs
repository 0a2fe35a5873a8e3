using Checkup.Core.Admin;
using Checkup.Core.Images;

namespace Checkup.Functions.Admin;

/// <summary>
/// An image as operators see it: the image (as GET /api/images/{id} shows it) plus its owner, whether it is stuck
/// (no progress for Images__StuckAfter) and when an operator gave up on it (nothing retries it since). Its log entries
/// keep <c>by</c>, the administrator behind a step.
/// </summary>
public sealed record AdminImageDto(
    Guid Id,
    string OwnerId,
    string Status,
    bool Stuck,
    DateTime? GivenUpAt,
    string? Url,
    string? PublicId,
    int Attempts,
    string? Error,
    DateTime? NextAttemptAt,
    long? Bytes,
    string? ContentType,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    IReadOnlyList<ImageLogEntry> Log)
{
    public static AdminImageDto From(ImageRow row, bool stuck = false) => new(
        row.Id, row.OwnerId, row.Status, stuck, row.GivenUpAt, row.CloudinaryUrl, row.CloudinaryPublicId, row.Attempts, row.Error,
        row.NextAttemptAt, row.Bytes, row.ContentType, row.CreatedAt, row.UpdatedAt, row.LogEntries());

    public static Page<AdminImageDto> From(Page<AdminImage> page) =>
        new(page.Items.Select(i => From(i.Row, i.Stuck)).ToList(), page.NextCursor);
}
