using Checkup.Core.Storage;

namespace Checkup.Core.Images;

/// <summary>Puts <c>{"imageId", "traceparent"}</c> on <c>image-uploads</c> (Base64, as the Functions queue trigger reads it).</summary>
public sealed class ImageQueue(StorageClients storage)
{
    public Task EnqueueAsync(Guid imageId, string? traceparent, CancellationToken ct) =>
        storage.UploadQueue.SendMessageAsync(new ImageMessage(imageId, traceparent).ToJson(), ct);
}
