using Azure.Storage.Queues.Models;
using Checkup.Functions.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace Checkup.Functions.Functions;

/// <summary>The image pipeline's triggers: each staged image pushed to Cloudinary, and the cleanup every five minutes.</summary>
public sealed class ImagePipelineFunctions(ProcessImageTrigger process, CleanupImagesTrigger cleanup, ILogger<ImagePipelineFunctions> logger)
{
    /// <summary>
    /// Throws on an infrastructure failure (database, blob storage) and on a message that is not an image message, so the
    /// host delivers it again and after <c>maxDequeueCount</c> (host.json) moves it to the poison queue. Cloudinary's own
    /// failures are recorded on the image's row and retried on the row's schedule, not by redelivery.
    /// </summary>
    [Function("ProcessImage")]
    public async Task ProcessImage(
        [QueueTrigger("%Storage:UploadQueue%", Connection = "AzureWebJobsStorage")] QueueMessage message, CancellationToken ct)
    {
        var result = await process.InvokeAsync(new QueueInvocation(message.Body.ToMemory(), message.DequeueCount, message.MessageId), ct);
        foreach (var line in result.Logs)
        {
            logger.LogInformation("{Line}", line);
        }

        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Logs));
        }
    }

    [Function("CleanupImages")]
    public async Task CleanupImages([TimerTrigger("0 */5 * * * *", UseMonitor = true)] TimerInfo timer, CancellationToken ct)
    {
        // The cleanup logs its own summary (and the trigger a warning when the tick is past due).
        await cleanup.InvokeAsync(new TimerInvocation(timer.IsPastDue, timer.ScheduleStatus?.Last, timer.ScheduleStatus?.Next), ct);
    }
}
