using System.Text;
using Checkup.Core.Cleanup;
using Checkup.Core.Images;
using Microsoft.Azure.Functions.Worker;

namespace Checkup.Functions.Functions;

/// <summary>The image pipeline's triggers: each staged image pushed to Cloudinary, and the cleanup every five minutes.</summary>
public sealed class ImagePipelineFunctions(ImageProcessor processor, CleanupJob cleanup, ILogger<ImagePipelineFunctions> logger)
{
    /// <summary>
    /// Throws on an infrastructure failure (database, blob storage) and on a message that is not an image message, so the
    /// host delivers it again and after <c>maxDequeueCount</c> (host.json) moves it to the poison queue, where an operator
    /// sees it. Cloudinary's own failures are recorded on the image's row and retried on the row's schedule, not by
    /// redelivery.
    /// </summary>
    /// <remarks>
    /// The message binds as its text, with the delivery count and id from the trigger's metadata: that also takes a
    /// message an operator hands over by <c>POST /admin/functions/ProcessImage</c>, which has no id (dequeue count 0).
    /// </remarks>
    [Function("ProcessImage")]
    public async Task ProcessImage(
        [QueueTrigger("%Storage:UploadQueue%", Connection = "AzureWebJobsStorage")] string message, FunctionContext context, CancellationToken ct)
    {
        var metadata = context.BindingContext.BindingData;
        var delivery = metadata.TryGetValue("DequeueCount", out var count) && long.TryParse(count?.ToString(), out var n) ? n : 0;
        if (Parse(message) is not { } imageMessage)
        {
            var id = metadata.TryGetValue("Id", out var messageId) ? messageId : null;
            throw new InvalidDataException($"ProcessImage received a message that is not {{\"imageId\": \"<uuid>\"}} (id {id}, delivery {delivery}).");
        }

        var result = await processor.ProcessAsync(imageMessage, ct);
        logger.LogInformation("Image {ImageId} (delivery {Delivery}): {Outcome}: {Message}", imageMessage.ImageId, delivery, result.Outcome, result.Message);
    }

    [Function("CleanupImages")]
    public async Task CleanupImages([TimerTrigger("0 */5 * * * *", UseMonitor = true)] TimerInfo timer, CancellationToken ct)
    {
        if (timer.IsPastDue)
        {
            // Late ticks are not made up: one run handles everything that is due by now.
            logger.LogWarning("CleanupImages is running late (scheduled {Next}); running once now", timer.ScheduleStatus?.Next);
        }

        await cleanup.RunAsync(ct); // logs its summary ("Image cleanup: ...")
    }

    /// <summary>The JSON message, or the same JSON still base64-encoded (a host configured without base64 decoding).</summary>
    private static ImageMessage? Parse(string text)
    {
        if (ImageMessage.TryParse(Encoding.UTF8.GetBytes(text)) is { } message)
        {
            return message;
        }

        var trimmed = text.Trim();
        var decoded = new byte[trimmed.Length];
        return Convert.TryFromBase64String(trimmed, decoded, out var written) ? ImageMessage.TryParse(decoded.AsSpan(0, written)) : null;
    }
}
