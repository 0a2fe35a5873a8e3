using System.Text.Json;
using System.Text.Json.Serialization;

namespace Checkup.Core.Images;

/// <summary>The image state machine's values, exactly as the API and the database spell them.</summary>
public static class ImageStatus
{
    public const string Uploaded = "uploaded";
    public const string SavedLocally = "saved-locally";
    public const string SavedInCloudinary = "saved-cld";
    public const string LocalUploadFailure = "local-upload-failure";
    public const string CloudinaryUploadFailure = "cld-upload-failure";
}

/// <summary>One row of <c>images</c> (the log as its jsonb text).</summary>
public sealed record ImageRow
{
    public Guid Id { get; init; }
    public string OwnerId { get; init; } = "";
    public string Status { get; init; } = "";
    public string? LocalPath { get; init; }
    public string? CloudinaryUrl { get; init; }
    public string? CloudinaryPublicId { get; init; }
    public long? CloudinaryVersion { get; init; }
    public string? CloudinaryAssetId { get; init; }
    public string? ContentType { get; init; }
    public long? Bytes { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public string? Sha256 { get; init; }
    public int Attempts { get; init; }
    public DateTime? NextAttemptAt { get; init; }
    /// <summary>When an operator gave up on this failed image (nothing retries it since); null otherwise.</summary>
    public DateTime? GivenUpAt { get; init; }
    public string Log { get; init; } = "[]";
    public string? Error { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }

    public IReadOnlyList<ImageLogEntry> LogEntries() =>
        JsonSerializer.Deserialize<List<ImageLogEntry>>(Log, ImageJson.Options) ?? [];
}

/// <summary>
/// One step of an image's life. <paramref name="By"/> names the administrator behind a step they took; the message
/// itself says only "an administrator", so the applicant's view (<see cref="ForOwner"/>) names nobody.
/// </summary>
public sealed partial record ImageLogEntry(DateTime At, string Message, string? By = null)
{
    /// <summary>
    /// The entry as the image's owner reads it: without who. Entries written before the name moved out of the message
    /// ("Given up by admin jane...: ...", "Retry requested by admin jane (after ...)") are reworded the same way.
    /// </summary>
    public ImageLogEntry ForOwner()
    {
        var message = LegacyGiveUp().Replace(Message, "Given up by an administrator: ", 1);
        message = LegacyRetry().Replace(message, "Retry requested by an administrator (", 1);
        return new ImageLogEntry(At, message);
    }

    // Anchored at both ends on the fixed wording around the name, so whatever the name holds it is matched whole.
    [System.Text.RegularExpressions.GeneratedRegex(@"^Given up by admin .*?: (?=no more automatic retries$)", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex LegacyGiveUp();

    [System.Text.RegularExpressions.GeneratedRegex(@"^Retry requested by admin .* \((?=after \d+ attempts, status [a-z-]+\)$)", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex LegacyRetry();
}

/// <summary>What the staged blob carries besides its bytes; also kept on the blob so a crashed upload can be completed.</summary>
public sealed record StagedImage(string BlobName, string ContentType, long Bytes, int Width, int Height, string Sha256);

/// <summary>
/// The message on <c>image-uploads</c>: <c>{"imageId": "...", "traceparent": "...", "attempt": n}</c> (traceparent
/// absent when unknown). The upload's own message has no <c>attempt</c>; a retry (scheduled after a failed push, queued
/// by the cleanup or by an operator) names the attempt it is for, so a copy that comes after that attempt was made, or
/// the upload's message delivered again while the image waits for its retry, does nothing.
/// </summary>
public sealed record ImageMessage(Guid ImageId, string? Traceparent, int? Attempt = null)
{
    public string ToJson() => JsonSerializer.Serialize(this, ImageJson.Options);

    /// <summary>null when the bytes are not such a message.</summary>
    public static ImageMessage? TryParse(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var message = JsonSerializer.Deserialize<ImageMessage>(utf8Json, ImageJson.Options);
            return message is { ImageId: var id } && id != Guid.Empty ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

internal static class ImageJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>Log entries as the jsonb array the SQL appends to <c>images.log</c>.</summary>
internal static class ImageLog
{
    public static string Entries(TimeProvider clock, params string[] messages)
    {
        var at = clock.GetUtcNow().UtcDateTime;
        // Entries written together keep their order even when the clock does not advance between them.
        return JsonSerializer.Serialize(messages.Select((m, i) => new ImageLogEntry(at.AddTicks(i * 10), m)), ImageJson.Options);
    }

    /// <summary>A step an administrator took: the message says "an administrator", <paramref name="adminId"/> is kept beside it for operators.</summary>
    public static string ByAdministrator(TimeProvider clock, string adminId, string message) =>
        JsonSerializer.Serialize(new[] { new ImageLogEntry(clock.GetUtcNow().UtcDateTime, message, adminId) }, ImageJson.Options);

    /// <summary>Entries with their own times (a step that started before its outcome was known).</summary>
    public static string Entries(params ImageLogEntry[] entries) => JsonSerializer.Serialize(entries, ImageJson.Options);
}
