using System.Text;
using Checkup.Core.Images;

namespace Checkup.Functions.Triggers;

/// <summary>ProcessImage for one delivered message, whoever delivered it (the /ProcessImage endpoint or the standalone consumer).</summary>
public sealed class ProcessImageTrigger(ImageProcessor processor, ILogger<ProcessImageTrigger> logger)
{
    /// <summary>Infrastructure failures (database, blob storage) are thrown: the caller fails the invocation so the message comes back.</summary>
    public async Task<TriggerResult> InvokeAsync(QueueInvocation invocation, CancellationToken ct)
    {
        if (Parse(invocation.Message.Span) is not { } message)
        {
            // Never succeeds, so it fails every delivery and ends in the poison queue, where an operator sees it.
            logger.LogError("ProcessImage received a message that is not {{\"imageId\": ...}} (id {MessageId}, delivery {DequeueCount})",
                invocation.MessageId, invocation.DequeueCount);
            return TriggerResult.Failure($"Message {invocation.MessageId} is not {{\"imageId\": \"<uuid>\"}}.");
        }

        var result = await processor.ProcessAsync(message, ct);
        return TriggerResult.Success($"Image {message.ImageId} (delivery {invocation.DequeueCount}): {result.Outcome}: {result.Message}");
    }

    /// <summary>The JSON message, or the same JSON still base64-encoded (a host configured without base64 decoding).</summary>
    private static ImageMessage? Parse(ReadOnlySpan<byte> bytes)
    {
        if (ImageMessage.TryParse(bytes) is { } message)
        {
            return message;
        }

        var text = Encoding.UTF8.GetString(bytes).Trim();
        var decoded = new byte[text.Length];
        return Convert.TryFromBase64String(text, decoded, out var written) ? ImageMessage.TryParse(decoded.AsSpan(0, written)) : null;
    }
}
