using System.Buffers;
using Azure;
using Checkup.Core.Storage;
using Checkup.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Checkup.Core.Images;

/// <summary>
/// POST /api/images behind the HTTP layer: streams the file into the staging blob while counting, hashing and
/// sniffing it, so memory holds one buffer whatever the file's size: in one Put Blob whose last byte waits for every
/// check when the length is known (ImageUploads.Put), in uncommitted blocks otherwise (ImageUploads.Blocks). A
/// refused upload leaves no blob, no message and no row.
/// </summary>
public sealed partial class ImageUploads(
    ImageStore store,
    ImageQueue queue,
    StorageClients storage,
    ImageSanitizer sanitizer,
    IOptions<ImageOptions> options,
    TimeProvider clock,
    ILogger<ImageUploads> logger)
{
    /// <summary>One staged block; the only buffer that scales with the upload (not with the file).</summary>
    internal const int BlockSize = 1024 * 1024;

    /// <summary>What a streamed upload reads before it creates the row: enough to refuse most non-images for free.</summary>
    internal const int PrefixSize = 64 * 1024;

    public static string BlobName(Guid imageId) => $"img-{imageId}";

    /// <summary>
    /// What a repeated request with <paramref name="idempotencyKey"/> answers: null when the key is unused (or was
    /// released by a failed upload), so the request uploads afresh; the first request's image once its bytes are stored;
    /// "in progress" while the first request still streams, or died streaming (a killed process) until the cleanup
    /// settles its row. Never the image of an upload that did not finish: the client would hold an id that never loads.
    /// </summary>
    private async Task<UploadOutcome?> FindReplayAsync(string ownerId, string idempotencyKey, CancellationToken ct) =>
        await store.FindByIdempotencyKeyAsync(ownerId, idempotencyKey, ct) switch
        {
            null => null,
            { Status: ImageStatus.Uploaded } first => new UploadOutcome.InProgress(first.Id),
            var first => new UploadOutcome.Replayed(first),
        };

    /// <summary>
    /// Reads <paramref name="file"/> to its end. With its <paramref name="length"/> known the file streams to storage
    /// in one Put Blob (the cheapest write for storage); without it, in staged blocks. Exceptions from reading it (the
    /// client went away, the body broke a server limit) propagate after the row is removed: they are the client's. A used
    /// Idempotency-Key answers the first request's outcome for the same file, and <see cref="UploadOutcome.KeyReused"/>
    /// for another (ImageUploads.Idempotency).
    /// </summary>
    public async Task<UploadOutcome> UploadAsync(UploadRequest request, Stream file, long? length, CancellationToken ct)
    {
        if (request.IdempotencyKey is { } key && await ReplayOrReuseAsync(request.OwnerId, key, ReadOnlyMemory<byte>.Empty, file, ct) is { } earlier)
        {
            return earlier;
        }

        var o = options.Value;
        var streamed = length is > 0 && length <= o.MaxBytes;
        var capacity = streamed ? PrefixSize : BlockSize;
        var buffer = ArrayPool<byte>.Shared.Rent(capacity);
        var sniffer = new ImageSniffer();
        Guid? pending = null; // a row in 'uploaded' that must not outlive a refusal
        try
        {
            var filled = await FillAsync(file, buffer, capacity, ct);
            if ((Check(sniffer, buffer, filled, filled, filled < capacity, o) ?? Decode(buffer, filled, capacity, sniffer)) is { } refusedEarly)
            {
                return refusedEarly;
            }

            // A database error propagates: nothing is stored yet, and the problem handler tells an outage (503, retry)
            // from a statement refused for good (500).
            var id = Guid.CreateVersion7();
            if (!await store.CreateAsync(id, request.OwnerId, sniffer.ContentType!, request.IdempotencyKey,
                    ImageLog.Entries(clock, $"Upload started ({sniffer.ContentType})"), ct))
            {
                return await ReplayAsync(request, buffer.AsMemory(0, filled), file, ct);
            }

            pending = id;
            var (staged, failed) = streamed
                ? await PutAsync(id, request.OwnerId, file, buffer.AsMemory(0, filled), length!.Value, sniffer, ct)
                : await StageBlocksAsync(id, request.OwnerId, file, buffer, filled, sniffer, ct);
            if (staged is null)
            {
                pending = failed is UploadOutcome.Unavailable ? null : pending; // local-upload-failure, or left to the cleanup
                return failed!;
            }

            pending = null; // the bytes are safe: from here on the cleanup completes whatever this request cannot
            return await FinishAsync(id, staged, request, ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (pending is { } abandoned)
            {
                await ForgetAsync(abandoned);
            }
        }
    }

    private async Task<UploadOutcome> FinishAsync(Guid id, StagedImage staged, UploadRequest request, CancellationToken ct)
    {
        ImageRow? image;
        var traceId = CheckupTelemetry.TraceIdOf(request.Traceparent);
        try
        {
            // The queueing is logged here, before the message exists: once it does, ProcessImage may lock the row for a
            // whole Cloudinary push, and a write after the send would wait for it (or make the processor skip the image).
            image = await store.MarkSavedLocallyAsync(id, staged, ImageLog.Entries(clock,
                $"Stored {staged.Bytes} bytes ({staged.ContentType}, {staged.Width}x{staged.Height}, sha256 {staged.Sha256}) as staging blob {staged.BlobName}",
                $"Queueing for Cloudinary (trace {traceId ?? "none"})"), ct);
        }
        catch (NpgsqlException e) when (e.IsTransient)
        {
            logger.LogError(e, "Image {ImageId} is staged but its row could not be updated; the cleanup will complete it", id);
            return new UploadOutcome.Unavailable(id, "The database is unavailable; the image will be completed later.");
        }

        if (image is null)
        {
            // Only the cleanup moves an 'uploaded' row on, and only one older than any request can run.
            logger.LogError("Image {ImageId} left 'uploaded' while its upload was still running (Images__StuckAfter too short?)", id);
            return new UploadOutcome.Unavailable(id, "The upload took too long and was given up; upload the image again.");
        }

        try
        {
            await queue.EnqueueAsync(id, request.Traceparent, ct);
            return new UploadOutcome.Created(image); // saved-locally: the answer does not wait for the push
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The bytes are safe and the row says saved-locally: the cleanup re-queues images that make no progress.
            // No message exists, so nothing else holds the row.
            logger.LogWarning(e, "Image {ImageId} is stored but could not be queued; the cleanup will queue it", id);
            return new UploadOutcome.Created(await store.AppendLogReturningAsync(id,
                ImageLog.Entries(clock, "Queueing failed; the cleanup will queue it: " + e.Message), CancellationToken.None) ?? image);
        }
    }

    private async Task<UploadOutcome> ReplayAsync(UploadRequest request, ReadOnlyMemory<byte> read, Stream file, CancellationToken ct) =>
        await ReplayOrReuseAsync(request.OwnerId, request.IdempotencyKey!, read, file, ct)
        ?? new UploadOutcome.Unavailable(null, "The request with this Idempotency-Key failed just now; try again.");

    /// <summary>Runs one storage call; on failure marks the row <c>local-upload-failure</c> and returns the answer.</summary>
    private async Task<UploadOutcome?> StorageStepAsync(Guid id, Func<Task> step, CancellationToken ct)
    {
        try
        {
            await step();
            return null;
        }
        catch (Exception e) when (IsStorageFailure(e) && !ct.IsCancellationRequested)
        {
            return await FailStagingAsync(id, e);
        }
    }

    private static bool IsStorageFailure(Exception e) => e is RequestFailedException or AggregateException or IOException or TimeoutException;

    private async Task<UploadOutcome> FailStagingAsync(Guid id, Exception e)
    {
        logger.LogError(e, "Image {ImageId} could not be staged", id);
        var error = "Staging the upload failed: " + FirstLine(e.Message);
        try
        {
            await store.MarkLocalFailureAsync(id, error, ImageLog.Entries(clock, error), CancellationToken.None);
        }
        catch (NpgsqlException dbError)
        {
            logger.LogError(dbError, "Image {ImageId} could not be marked local-upload-failure; the cleanup will", id);
        }

        return new UploadOutcome.Unavailable(id, "Storage is unavailable; the image was not stored.");
    }

    private async Task ForgetAsync(Guid id)
    {
        try
        {
            await store.DeleteUnstoredAsync(id, CancellationToken.None);
        }
        catch (Exception e)
        {
            // Left in 'uploaded' without a blob: the cleanup marks it local-upload-failure after Images__StuckAfter.
            logger.LogWarning(e, "The unfinished image {ImageId} could not be removed", id);
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
