using Checkup.Core.Images;

namespace Checkup.Functions.Images;

/// <summary>An image as the API shows it (POST /api/images, GET /api/images/{id}).</summary>
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
    IReadOnlyList<ImageLogEntry> Log)
{
    public static ImageDto From(ImageRow row) => new(
        row.Id, row.Status, row.CloudinaryUrl, row.CloudinaryPublicId, row.Attempts, row.Error, row.Bytes, row.ContentType,
        row.Width, row.Height, row.Sha256, row.CreatedAt, row.UpdatedAt, row.NextAttemptAt, row.LogEntries());
}
