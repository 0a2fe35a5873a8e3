using System.Diagnostics;
using System.Globalization;
using Azure;
using Checkup.Core.Cloudinary;
using Checkup.Core.Storage;
using Checkup.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Checkup.Core.Images;

public enum ProcessOutcome
{
    /// <summary>Now in Cloudinary.</summary>
    Saved,
    /// <summary>Cloudinary refused or failed; recorded on the row (retried later unless permanent or out of attempts).</summary>
    Failed,
    /// <summary>The staged copy is gone before it reached Cloudinary.</summary>
    Lost,
    /// <summary>Nothing to do: already saved, being processed by another invocation, not waiting, or gone.</summary>
    Skipped,
}

public sealed record ProcessResult(ProcessOutcome Outcome, string Message);

/// <summary>
/// ProcessImage: pushes one staged image to Cloudinary. Safe to run twice or concurrently for one image: the row
/// lock (skip locked) lets one invocation work while the other returns, the public id is fixed
/// (<c>checkup/&lt;id&gt;</c>, overwrite) so even a push repeated after a crash makes no second asset, and the
/// final update is conditional. A Cloudinary failure is an outcome recorded on the row; failures of our own
/// infrastructure (database, blob storage) are thrown so the invocation fails and the message comes back. A retryable
/// failure also queues the image's next message, hidden until the next attempt is due, so retries run on time; the
/// cleanup queues the due retries whose message was lost. A message only makes the attempt it names (see
/// <see cref="ImageMessage"/>): copies that come late or twice do nothing.
/// </summary>
public sealed class ImageProcessor(
    NpgsqlDataSource dataSource,
    StorageClients storage,
    CloudinaryClient cloudinary,
    ImageQueue queue,
    ImageSanitizer sanitizer,
    IOptions<ImageOptions> options,
    TimeProvider clock,
    ILogger<ImageProcessor> logger)
{
    public async Task<ProcessResult> ProcessAsync(ImageMessage message, CancellationToken ct)
    {
        var startedAt = Stopwatch.GetTimestamp();
        using var activity = CheckupTelemetry.StartLinked("ProcessImage", ActivityKind.Consumer, message.Traceparent);
        activity?.SetTag("checkup.image_id", message.ImageId.ToString());
        var traceId = CheckupTelemetry.TraceIdOf(message.Traceparent) ?? activity?.TraceId.ToHexString() ?? "none";

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var image = await ImageStore.LockForProcessingAsync(connection, transaction, message.ImageId, ct);
        if (image is null)
        {
            var status = await ImageStore.StatusAsync(connection, transaction, message.ImageId, ct);
            return Skip(activity, message.ImageId, status is null ? "no such image (deleted?)" : "another invocation is pushing it");
        }

        if (!WaitsForCloudinary(image))
        {
            return Skip(activity, image.Id, image.Status == ImageStatus.SavedInCloudinary ? "already in Cloudinary" : $"status '{image.Status}' does not wait for Cloudinary");
        }

        var attempt = image.Attempts + 1;
        if (NotForThisAttempt(message, image, attempt) is { } reason)
        {
            return Skip(activity, image.Id, reason);
        }

        var publicId = CloudinaryClient.PublicIdFor(image.Id);
        var started = new ImageLogEntry(clock.GetUtcNow().UtcDateTime, $"Pushing to Cloudinary as {publicId} (attempt {attempt}, trace {traceId})");
        var result = await PushAsync(image, publicId, ct);
        ProcessResult outcome;
        DateTimeOffset? retryAt = null;
        if (result is null)
        {
            var error = $"The staged copy {image.LocalPath ?? "(none)"} is missing before the image reached Cloudinary; the bytes are lost.";
            await ImageStore.MarkStagedCopyLostAsync(connection, transaction, image.Id, error, ImageLog.Entries(started, Now(error)), ct);
            outcome = new(ProcessOutcome.Lost, error);
        }
        else if (result.Asset is { } asset)
        {
            var saved = $"Saved in Cloudinary: {asset.SecureUrl} (version {asset.Version})";
            await ImageStore.MarkSavedInCloudinaryAsync(connection, transaction, image.Id, asset, ImageLog.Entries(started, Now(saved)), ct);
            outcome = new(ProcessOutcome.Saved, saved);
        }
        else
        {
            var failure = result.Failure!;
            var retryIn = failure.Retryable ? RetryBackoff.Next(attempt, options.Value, Random.Shared.NextDouble()) : null;
            var nextAt = retryIn is { } wait ? clock.GetUtcNow() + wait : (DateTimeOffset?)null;
            var next = (failure.Retryable, retryIn) switch
            {
                (true, { } delay) => $"next attempt in {delay.TotalSeconds:0.#} s, at {nextAt:yyyy-MM-ddTHH:mm:ss.fffZ}",
                (true, null) => $"giving up after {attempt} attempts; an admin can retry it",
                _ => "a permanent failure, not retried; an admin can retry it",
            };
            var failed = $"Cloudinary push failed: {failure}; {next}";
            CheckupTelemetry.CloudinaryFailures.Add(1,
                new("class", failure.Retryable ? "retryable" : "permanent"), new("status", failure.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "none"));
            var recorded = await ImageStore.MarkCloudinaryFailureAsync(connection, transaction, image.Id, failure.ToString(), nextAt?.UtcDateTime, ImageLog.Entries(started, Now(failed)), ct);
            outcome = new(ProcessOutcome.Failed, failed);
            retryAt = recorded == 1 ? nextAt : null;
        }

        await transaction.CommitAsync(ct);
        if (retryAt is { } due)
        {
            await ScheduleRetryAsync(image.Id, message.Traceparent, attempt + 1, due - clock.GetUtcNow(), ct);
        }

        activity?.SetTag("checkup.outcome", outcome.Outcome.ToString());
        CheckupTelemetry.ProcessDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome.Outcome.ToString()));
        // The status is in the text on purpose: the failed-images alert (infra/queries) searches for it.
        var nowStatus = outcome.Outcome switch
        {
            ProcessOutcome.Saved => ImageStatus.SavedInCloudinary,
            ProcessOutcome.Lost => ImageStatus.LocalUploadFailure,
            _ => ImageStatus.CloudinaryUploadFailure,
        };
        logger.Log(outcome.Outcome == ProcessOutcome.Saved ? LogLevel.Information : LogLevel.Warning,
            "Image {ImageId} is now {Status}: {Message}", image.Id, nowStatus, outcome.Message);
        return outcome;
    }

    /// <summary>A fresh upload, or a failure still scheduled for retry (permanent and exhausted failures have no next attempt).</summary>
    private static bool WaitsForCloudinary(ImageRow image) =>
        image.Status == ImageStatus.SavedLocally ||
        (image.Status == ImageStatus.CloudinaryUploadFailure && image.NextAttemptAt is not null);

    /// <summary>
    /// Why <paramref name="message"/> must not make attempt <paramref name="attempt"/> (null: it may). The upload's own
    /// message (no attempt named) only starts the first push; once a push failed, the retry's own message makes the
    /// next one, so a redelivered upload message cannot push before the retry is due. A retry's message is for one
    /// attempt: a copy that arrives after that attempt was made (a duplicate, the cleanup's copy) is spent.
    /// </summary>
    private static string? NotForThisAttempt(ImageMessage message, ImageRow image, int attempt) => message.Attempt switch
    {
        null when image.Status == ImageStatus.CloudinaryUploadFailure =>
            $"the upload's message arrived again, but the image waits for its retry at {image.NextAttemptAt:O} (attempt {attempt}), which has its own message",
        { } planned when planned != attempt =>
            $"a message for attempt {planned}, but the next attempt is {attempt}: that attempt was already made",
        _ => null,
    };

    /// <summary>After the failure is committed. When the queue fails, the cleanup queues the retry once it is due.</summary>
    private async Task ScheduleRetryAsync(Guid imageId, string? traceparent, int attempt, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await queue.EnqueueRetryAsync(imageId, traceparent, attempt, delay, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Image {ImageId}: attempt {Attempt} is scheduled but could not be queued; the cleanup will queue it when due", imageId, attempt);
        }
    }

    /// <returns>null when the staged copy is missing.</returns>
    private async Task<CloudinaryUploadResult?> PushAsync(ImageRow image, string publicId, CancellationToken ct)
    {
        if (image.LocalPath is null)
        {
            return null;
        }

        Azure.Storage.Blobs.Models.BlobDownloadStreamingResult download;
        try
        {
            download = (await storage.Staging.GetBlobClient(image.LocalPath).DownloadStreamingAsync(cancellationToken: ct)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }

        await using (download.Content)
        {
            // Never the staged bytes themselves: they may carry the uploader's location, or not be an image at all.
            var clean = await sanitizer.SanitizeAsync(download.Content, download.Details.ContentLength, image.ContentType, image.LocalPath, ct);
            if (clean.Image is not { } sanitized)
            {
                return CloudinaryUploadResult.Failed(new CloudinaryFailure(Retryable: false, null, "Not pushed: " + clean.Refusal));
            }

            return await cloudinary.UploadAsync(publicId, new MemoryStream(sanitized.Bytes, writable: false), sanitized.Bytes.Length, image.LocalPath, ct);
        }
    }

    private ImageLogEntry Now(string message) => new(clock.GetUtcNow().UtcDateTime, message);

    private ProcessResult Skip(Activity? activity, Guid imageId, string reason)
    {
        activity?.SetTag("checkup.outcome", nameof(ProcessOutcome.Skipped));
        logger.LogInformation("Image {ImageId}: nothing to do: {Reason}", imageId, reason);
        return new ProcessResult(ProcessOutcome.Skipped, $"Image {imageId}: nothing to do: {reason}");
    }
}
