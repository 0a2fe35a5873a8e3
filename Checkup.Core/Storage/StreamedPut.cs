using Azure.Core;
using Azure.Core.Pipeline;

namespace Checkup.Core.Storage;

/// <summary>
/// A Put Blob whose body streams in from a client lasts as long as the client takes to send it, which the storage
/// client's network timeout would cut short for a slow client. Calls made inside <see cref="Scope"/> have no network
/// timeout; their body stream watches storage itself (see <c>WithheldBody</c>) and Kestrel bounds a slow client.
/// </summary>
internal sealed class StreamedPut : HttpPipelineSynchronousPolicy
{
    private const string Property = "checkup.streamed-put";

    public static IDisposable Scope() => HttpPipeline.CreateHttpMessagePropertiesScope(new Dictionary<string, object?> { [Property] = true });

    public override void OnSendingRequest(HttpMessage message)
    {
        if (message.TryGetProperty(Property, out var streamed) && streamed is true)
        {
            message.NetworkTimeout = Timeout.InfiniteTimeSpan;
        }
    }
}
