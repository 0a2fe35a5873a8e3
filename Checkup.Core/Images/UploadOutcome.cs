namespace Checkup.Core.Images;

public sealed record UploadRequest(string OwnerId, string? IdempotencyKey, string? Traceparent);

public enum UploadRefusal
{
    Empty,
    TooLarge,
    TooManyPixels,
    NotAnImage,

    /// <summary>The file part did not end where the body's length said it would (another part or an epilogue after it).</summary>
    Malformed,
}

/// <summary>Every way an upload can end; the endpoint maps each to its answer.</summary>
public abstract record UploadOutcome
{
    /// <summary>Stored and queued (or, when queueing failed, left for the cleanup to queue).</summary>
    public sealed record Created(ImageRow Image) : UploadOutcome;

    /// <summary>The Idempotency-Key was used before: the image of the first request.</summary>
    public sealed record Replayed(ImageRow Image) : UploadOutcome;

    /// <summary>The Idempotency-Key was used before for another file (the first request's image is <paramref name="ImageId"/>).</summary>
    public sealed record KeyReused(Guid ImageId) : UploadOutcome;

    /// <summary>The Idempotency-Key belongs to a request whose upload is still streaming.</summary>
    public sealed record InProgress(Guid ImageId) : UploadOutcome;

    /// <summary>Refused by size, type or pixel count: nothing was kept.</summary>
    public sealed record Refused(UploadRefusal Reason, string Detail) : UploadOutcome;

    /// <summary>Storage or the database failed; the row (if any) is marked <c>local-upload-failure</c>.</summary>
    public sealed record Unavailable(Guid? ImageId, string Detail) : UploadOutcome;
}
