using System.Globalization;
using System.Net;

namespace Checkup.Chaos;

/// <summary>
/// How a real client calls the API through faults: a connection error, a timeout, a 502/503/504 (storage outage) or a
/// 429 is retried with backoff (honouring Retry-After), the request rebuilt each time so an upload keeps its
/// Idempotency-Key; everything else goes back to the caller. It gives up only at its deadline.
/// </summary>
public sealed class ResilientClient(HttpClient http, Tally tally, DateTime deadline)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <param name="what">the operation's name in the figures, e.g. "upload".</param>
    /// <param name="retryAlso">further answers worth retrying (e.g. an upload still in progress).</param>
    public async Task<Answer> SendAsync(string what, Func<HttpRequestMessage> request, Func<Answer, bool>? retryAlso = null)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            TimeSpan? wait = null;
            try
            {
                using var message = request();
                using var response = await http.SendAsync(message);
                var answer = new Answer((int)response.StatusCode, await response.Content.ReadAsStringAsync(),
                    response.Headers.ETag?.ToString(), response.Headers.Contains("Idempotent-Replayed"));
                // The Functions host answers a bare 500 when the invocation failed outside the app (its worker died
                // mid-request); the app's own failures are problem+json. The client cannot know whether the request
                // took effect, as after a lost connection, and sends it again.
                var fromHost = answer.Status == 500 && answer.Body.Length == 0;
                tally.Add(fromHost ? $"{what} 500 from the host" : $"{what} {answer.Status}");
                if (answer.Status is not (502 or 503 or 504 or 429 or 500) && retryAlso?.Invoke(answer) != true)
                {
                    return answer;
                }

                if (fromHost)
                {
                    tally.HostFailure(what);
                }
                else if (answer.Status == 500)
                {
                    tally.Problem($"{what} answered 500: {answer}");
                }

                wait = RetryAfter(response);
            }
            // A SocketException straight from the socket (ENOTCONN when the host is killed mid-request) is a lost
            // connection as much as the HttpRequestException that usually wraps one.
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or System.Net.Sockets.SocketException)
            {
                tally.Add($"{what} connection error");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new GaveUpException($"{what}: no usable answer before the client's deadline");
            }

            await Task.Delay(Min(wait ?? backoff, TimeSpan.FromSeconds(5)) + TimeSpan.FromMilliseconds(Random.Shared.Next(50)));
            backoff = Min(backoff * 2, MaxBackoff);
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter?.Delta ??
        (response.Headers.TryGetValues("Retry-After", out var values) && int.TryParse(values.First(), CultureInfo.InvariantCulture, out var s)
            ? TimeSpan.FromSeconds(s)
            : null);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public static HttpClient CreateHttp(Uri baseAddress, string token)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        client.DefaultRequestVersion = HttpVersion.Version11;
        return client;
    }
}
