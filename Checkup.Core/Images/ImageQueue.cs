using Checkup.Core.Storage;

namespace Checkup.Core.Images;

/// <summary>Puts <c>{"imageId", "traceparent", "attempt"}</c> on <c>image-uploads</c> (Base64, as the Functions queue trigger reads it).</summary>
public sealed class ImageQueue(StorageClients storage)
{
    /// <summary>Azure Queue Storage hides a message for at most 7 days, and a message lives 7 days by default.</summary>
    private static readonly TimeSpan LongestDelay = TimeSpan.FromDays(6);

    /// <summary>The upload's own message: push it now.</summary>
    public Task EnqueueAsync(Guid imageId, string? traceparent, CancellationToken ct) =>
        storage.UploadQueue.SendMessageAsync(new ImageMessage(imageId, traceparent).ToJson(), ct);

    /// <summary>
    /// A retry: the message for attempt <paramref name="attempt"/>, hidden for <paramref name="delay"/> (the queue's
    /// initial visibility), so the retry runs when it is due instead of at the next cleanup. The queue counts whole
    /// seconds (the SDK truncates), so the delay is rounded up: the message never comes before the retry is due.
    /// </summary>
    public Task EnqueueRetryAsync(Guid imageId, string? traceparent, int attempt, TimeSpan delay, CancellationToken ct)
    {
        var hidden = delay <= TimeSpan.Zero ? (TimeSpan?)null : delay > LongestDelay ? LongestDelay : TimeSpan.FromSeconds(Math.Ceiling(delay.TotalSeconds));
        return storage.UploadQueue.SendMessageAsync(new ImageMessage(imageId, traceparent, attempt).ToJson(), hidden, cancellationToken: ct);
    }
}
