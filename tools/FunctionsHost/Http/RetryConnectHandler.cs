using System.Net.Sockets;

namespace FunctionsHost.Http;

/// <summary>
/// The worker reports ready over gRPC a moment before its own Kestrel accepts connections: a refused connection
/// is tried again for a short while, as the Azure host's RetryProxyHandler does. Nothing of the request has
/// been sent when a connection is refused, so trying again is safe.
/// </summary>
internal sealed class RetryConnectHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private const int MaxAttempts = 10;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException exception) when (attempt < MaxAttempts
                && exception.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken);
            }
        }
    }
}
