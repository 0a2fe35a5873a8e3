using Microsoft.Extensions.Logging;

namespace Checkup.Core.Images;

public abstract record RetryOutcome
{
    public sealed record Queued(ImageRow Image) : RetryOutcome;
    public sealed record NotFound : RetryOutcome;
    public sealed record NotRetryable(ImageRow Image) : RetryOutcome;
    /// <summary>Scheduled but the queue failed: the cleanup queues it on its next run.</summary>
    public sealed record QueueUnavailable(ImageRow Image) : RetryOutcome;
}

/// <summary>An operator's retry of an image that is staged but not (yet) in Cloudinary: a fresh round of attempts.</summary>
public sealed class ImageRetries(ImageStore store, ImageQueue queue, TimeProvider clock, ILogger<ImageRetries> logger)
{
    /// <param name="adminId">the administrator asking (their 'sub'): kept in the log entry for operators, never in its message</param>
    public async Task<RetryOutcome> RetryAsync(Guid id, string adminId, string? traceparent, CancellationToken ct)
    {
        var before = await store.FindAsync(id, ct);
        if (before is null)
        {
            return new RetryOutcome.NotFound();
        }

        var scheduled = await store.ScheduleManualRetryAsync(id,
            ImageLog.ByAdministrator(clock, adminId, $"Retry requested by an administrator (after {before.Attempts} attempts, status {before.Status})"), ct);
        if (scheduled is null)
        {
            return await store.FindAsync(id, ct) is { } current ? new RetryOutcome.NotRetryable(current) : new RetryOutcome.NotFound();
        }

        try
        {
            await queue.EnqueueRetryAsync(id, traceparent, scheduled.Attempts + 1, TimeSpan.Zero, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Retry of image {ImageId} is scheduled but could not be queued; the cleanup will queue it", id);
            return new RetryOutcome.QueueUnavailable(scheduled);
        }

        logger.LogInformation("Image {ImageId}: retry requested by administrator {AdminId}", id, adminId);
        return new RetryOutcome.Queued(scheduled);
    }
}
