using Checkup.Core.Images;

namespace Checkup.Functions.Images;

/// <summary>
/// An image as its owner sees it (POST /api/images, GET /api/images/{id}): the log says what happened, not which
/// administrator did it (operators read that in <see cref="Admin.AdminImageDto"/>).
/// </summary>
public sealed record ImageDto(
    Guid Id,
    string Status,
    string? Url,
    string? PublicId,
    int Attempts,
    string? Error,
    long? Bytes,
    string? ContentType,
    int? Width,
    int? Height,
    string? Sha256,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? NextAttemptAt,
    IReadOnlyList<ImageLogLine> Log)
{
    public static ImageDto From(ImageRow row) => new(
        row.Id, row.Status, row.CloudinaryUrl, row.CloudinaryPublicId, row.Attempts, row.Error, row.Bytes, row.ContentType,
        row.Width, row.Height, row.Sha256, row.CreatedAt, row.UpdatedAt, row.NextAttemptAt,
        row.LogEntries().Select(e => e.ForOwner()).Select(e => new ImageLogLine(e.At, e.Message)).ToList());
}

/// <summary>One step of the image's life as its owner reads it.</summary>
public sealed record ImageLogLine(DateTime At, string Message);
