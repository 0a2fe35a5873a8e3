using Checkup.Core.Cloudinary;
using Checkup.Core.Images;
using Checkup.Core.Storage;
using Checkup.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Checkup.Core.Cleanup;

/// <summary>
/// CleanupImages (spec 2.3), in bounded batches, safe when two runs overlap. Messages are sent after the batch's
/// transaction commits, so the ProcessImage they start never finds the row still locked by the cleanup; a crash in
/// between loses a message, which the next run queues again (the lease or "stuck" time has then passed).
/// </summary>
public sealed class CleanupJob(
    NpgsqlDataSource dataSource,
    StorageClients storage,
    ImageQueue queue,
    CloudinaryClient cloudinary,
    IOptions<ImageOptions> options,
    TimeProvider clock,
    ILogger<CleanupJob> logger)
{
    public async Task<CleanupSummary> RunAsync(CancellationToken ct)
    {
        var traceparent = CheckupTelemetry.CurrentTraceparent();
        var stagedDeleted = await RepeatAsync(DeleteStagedCopiesAsync, ct);
        var retries = await RepeatAsync(async token => await QueueRetriesAsync(await ClaimDueRetriesAsync(token), traceparent, token), ct);
        var stalled = await RepeatAsync(async token => await QueueAllAsync(await ClaimStalledAsync(token), traceparent, token), ct);
        var (completed, failed) = await RecoverUploadsAsync(traceparent, ct);
        var (deleted, kept) = await DeleteUnreferencedAsync(ct);
        var summary = new CleanupSummary(stagedDeleted, retries, stalled, completed, failed, deleted, kept);
        logger.LogInformation("Image cleanup: {Summary}", summary);
        if (stalled + completed + failed > 0)
        {
            // Worded for the stuck-images alert (infra/queries): "stuck" and the statuses it recovers from.
            logger.LogWarning("Image cleanup recovered {Recovered} stuck images (uploaded or saved-locally with no progress for {StuckAfter})",
                stalled + completed + failed, options.Value.StuckAfter);
        }

        await RecordMetricsAsync(summary, ct);
        return summary;
    }

    private async Task RecordMetricsAsync(CleanupSummary summary, CancellationToken ct)
    {
        foreach (var (action, count) in summary.Actions())
        {
            CheckupTelemetry.CleanupActions.Add(count, new KeyValuePair<string, object?>("action", action));
        }

        if (!CheckupTelemetry.ImagesByStatus.Enabled)
        {
            return; // nobody exports metrics: skip the count
        }

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        foreach (var (status, count) in await CleanupStore.CountByStatusAsync(connection, ct))
        {
            CheckupTelemetry.ImagesByStatus.Record(count, new KeyValuePair<string, object?>("status", status));
        }
    }

    private async Task<int> DeleteStagedCopiesAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var copies = (await CleanupStore.LockStagedCopiesAsync(connection, transaction, options.Value.CleanupBatchSize, ct)).ToList();
        foreach (var copy in copies)
        {
            await storage.Staging.DeleteBlobIfExistsAsync(copy.LocalPath, cancellationToken: ct); // already gone counts as deleted
        }

        var done = await CleanupStore.ForgetStagedCopiesAsync(connection, transaction, copies.Select(c => c.Id).ToArray(),
            ImageLog.Entries(clock, "Staged copy deleted (the image is in Cloudinary)"), ct);
        await transaction.CommitAsync(ct);
        return done;
    }

    private async Task<DueRetry[]> ClaimDueRetriesAsync(CancellationToken ct)
    {
        var o = options.Value;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await CleanupStore.ClaimDueRetriesAsync(connection, o.CleanupBatchSize, o.MaxAttempts, o.StuckAfter,
            ImageLog.Entries(clock, "Retry due: queued for Cloudinary again"), ct);
    }

    private async Task<Guid[]> ClaimStalledAsync(CancellationToken ct)
    {
        var o = options.Value;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await CleanupStore.ClaimStalledAsync(connection, o.CleanupBatchSize, o.StuckAfter,
            ImageLog.Entries(clock, $"No progress for {o.StuckAfter}: queued for Cloudinary again (lost message or interrupted push)"), ct);
    }

    /// <summary>Rows left in 'uploaded' by a crash: completed from the staged blob when it was committed, failed (and the blob deleted) otherwise.</summary>
    private async Task<(int Completed, int Failed)> RecoverUploadsAsync(string? traceparent, CancellationToken ct)
    {
        int completed = 0, failed = 0;
        for (var i = 0; i < options.Value.CleanupMaxBatches; i++)
        {
            var (locked, recovered, failedNow) = await RecoverUploadBatchAsync(ct);
            completed += recovered.Length;
            failed += failedNow;
            await QueueAllAsync(recovered, traceparent, ct);
            if (locked < options.Value.CleanupBatchSize)
            {
                break;
            }
        }

        return (completed, failed);
    }

    private async Task<(int Locked, Guid[] Recovered, int Failed)> RecoverUploadBatchAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var stuck = (await CleanupStore.LockStuckUploadsAsync(connection, transaction, options.Value.CleanupBatchSize, options.Value.StuckAfter, ct)).ToList();
        var recovered = new List<Guid>();
        var failed = 0;
        foreach (var upload in stuck)
        {
            if (await ReadStagedAsync(upload.Id, ct) is { } staged)
            {
                if (await CleanupStore.CompleteUploadAsync(connection, transaction, upload.Id, staged,
                        ImageLog.Entries(clock, $"Upload completed by the cleanup from staging blob {staged.BlobName} ({staged.Bytes} bytes)"), ct) == 1)
                {
                    recovered.Add(upload.Id);
                }
            }
            else
            {
                // A blob without the metadata is a Put whose upload was given up (its answer lost, storage unable to
                // delete it then): it must not outlive the failed row.
                await storage.Staging.GetBlobClient(ImageUploads.BlobName(upload.Id)).DeleteIfExistsAsync(cancellationToken: ct);
                const string error = "The upload never completed (the request ended before the file was stored).";
                failed += await CleanupStore.FailUploadAsync(connection, transaction, upload.Id, error, ImageLog.Entries(clock, error), ct);
            }
        }

        await transaction.CommitAsync(ct);
        return (stuck.Count, recovered.ToArray(), failed);
    }

    private async Task<StagedImage?> ReadStagedAsync(Guid id, CancellationToken ct)
    {
        var name = ImageUploads.BlobName(id);
        try
        {
            var properties = (await storage.Staging.GetBlobClient(name).GetPropertiesAsync(cancellationToken: ct)).Value;
            return StagedMetadata.Read(name, properties.ContentType, properties.ContentLength, properties.Metadata);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    private async Task<(int Deleted, int Kept)> DeleteUnreferencedAsync(CancellationToken ct)
    {
        int deleted = 0, kept = 0;
        for (var i = 0; i < options.Value.CleanupMaxBatches; i++)
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var batch = (await CleanupStore.LockUnreferencedAsync(connection, transaction, options.Value.CleanupBatchSize, options.Value.UnreferencedGrace, ct)).ToList();
            var gone = new List<Guid>();
            foreach (var image in batch)
            {
                if (await RemoveCopiesAsync(image, ct))
                {
                    gone.Add(image.Id);
                }
            }

            deleted += await CleanupStore.DeleteAsync(connection, transaction, gone.ToArray(), ct);
            await transaction.CommitAsync(ct);
            kept += batch.Count - gone.Count;
            if (batch.Count < options.Value.CleanupBatchSize || gone.Count < batch.Count)
            {
                break; // a short batch is the last; a failing one would only come back
            }
        }

        return (deleted, kept);
    }

    /// <summary>The Cloudinary asset (any push may have reached it, even one whose answer was lost) and the staged blob.</summary>
    private async Task<bool> RemoveCopiesAsync(Unreferenced image, CancellationToken ct)
    {
        if (image.Status is ImageStatus.SavedInCloudinary or ImageStatus.CloudinaryUploadFailure or ImageStatus.SavedLocally)
        {
            var destroyed = await cloudinary.DestroyAsync(CloudinaryClient.PublicIdFor(image.Id), ct);
            if (!destroyed.Deleted)
            {
                logger.LogWarning("Unreferenced image {ImageId} kept: its Cloudinary asset could not be deleted: {Failure}", image.Id, destroyed.Failure);
                return false;
            }
        }

        await storage.Staging.DeleteBlobIfExistsAsync(image.LocalPath ?? ImageUploads.BlobName(image.Id), cancellationToken: ct);
        logger.LogInformation("Unreferenced image {ImageId} ({Status}) deleted", image.Id, image.Status);
        return true;
    }

    private async Task<int> QueueAllAsync(Guid[] ids, string? traceparent, CancellationToken ct)
    {
        foreach (var id in ids)
        {
            try
            {
                await queue.EnqueueAsync(id, traceparent, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Image {ImageId} could not be queued; the next cleanup run queues it again", id);
            }
        }

        return ids.Length;
    }

    /// <summary>Each due retry's message, for the attempt it is due to make.</summary>
    private async Task<int> QueueRetriesAsync(DueRetry[] due, string? traceparent, CancellationToken ct)
    {
        foreach (var retry in due)
        {
            try
            {
                await queue.EnqueueRetryAsync(retry.Id, traceparent, retry.Attempts + 1, TimeSpan.Zero, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Image {ImageId} could not be queued; the next cleanup run queues it again", retry.Id);
            }
        }

        return due.Length;
    }

    /// <summary>Runs one batch step until a batch comes back short, at most Images__CleanupMaxBatches times.</summary>
    private async Task<int> RepeatAsync(Func<CancellationToken, Task<int>> step, CancellationToken ct)
    {
        var total = 0;
        for (var i = 0; i < options.Value.CleanupMaxBatches; i++)
        {
            var done = await step(ct);
            total += done;
            if (done < options.Value.CleanupBatchSize)
            {
                break;
            }
        }

        return total;
    }
}
