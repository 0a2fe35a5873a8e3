using System.Net.Sockets;
using System.Text;

namespace Checkup.Tests.Reliability;

/// <summary>A request as bytes on the wire, so it can be anything a hostile client sends (HttpClient refuses most of it).</summary>
public sealed record RawRequest(string Name, string Method, string Target, IReadOnlyList<(string Name, byte[] Value)> Headers, byte[] Body)
{
    /// <summary>When set, only this many bytes of the body are sent, then the client stops sending (a cut-off upload).</summary>
    public int? SendOnly { get; init; }

    /// <summary>
    /// With <see cref="SendOnly"/>: the rest of the body follows a byte at a time with this pause between bytes (a slow
    /// drip), until the server answers or closes.
    /// </summary>
    public TimeSpan? DripEvery { get; init; }

    /// <summary>Written as it is, instead of a request line and headers built from the other members (malformed HTTP).</summary>
    public byte[]? Verbatim { get; init; }

    public byte[] ToBytes()
    {
        if (Verbatim is not null)
        {
            return Verbatim;
        }

        using var bytes = new MemoryStream();
        bytes.Write(Encoding.Latin1.GetBytes($"{Method} {Target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"));
        foreach (var (name, value) in Headers)
        {
            bytes.Write(Encoding.Latin1.GetBytes(name + ": "));
            bytes.Write(value);
            bytes.Write("\r\n"u8);
        }

        if (!Headers.Any(h => h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || h.Name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)))
        {
            bytes.Write(Encoding.Latin1.GetBytes($"Content-Length: {Body.Length}\r\n"));
        }

        bytes.Write("\r\n"u8);
        bytes.Write(Body, 0, SendOnly is { } n ? Math.Min(n, Body.Length) : Body.Length);
        return bytes.ToArray();
    }

    public override string ToString() => $"{Name}: {Method} {(Target.Length > 80 ? Target[..80] + "..." : Target)}";
}

public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public string? ContentType => Header("content-type")?.Split(';')[0].Trim();

    public override string ToString() => $"{Status} {ContentType} {(Body.Length > 200 ? Body[..200] + "..." : Body)}";
}

/// <summary>Sends a <see cref="RawRequest"/> on its own connection and reads the answer until the server closes it.</summary>
public static class RawHttp
{
    /// <summary>Far beyond any answer; only there so a server that never answers fails the case instead of hanging the test.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    public static async Task<RawResponse?> SendAsync(int port, RawRequest request)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(Limit);
        await client.ConnectAsync("127.0.0.1", port, timeout.Token);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(request.ToBytes(), timeout.Token);
            if (request is { SendOnly: { } sent, DripEvery: { } pause })
            {
                // Until the server answers (data to read) or closes (the write fails); the read below then takes the answer.
                for (var at = sent; at < request.Body.Length && client.Available == 0; at++)
                {
                    await Task.Delay(pause, timeout.Token);
                    await stream.WriteAsync(request.Body.AsMemory(at, 1), timeout.Token);
                }
            }
            else if (request.SendOnly is not null)
            {
                client.Client.Shutdown(SocketShutdown.Send); // the rest never comes: the body ends early
            }
        }
        catch (IOException)
        {
            // The server may answer and close before it has read everything (a refused body); read its answer.
        }

        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, timeout.Token);
        }
        catch (IOException)
        {
            // Reset after the answer (the server closed with unread request bytes): what arrived is the answer.
        }
        catch (OperationCanceledException)
        {
            return Parse(received.ToArray()) ?? TimedOut; // an answer on a connection left open is still an answer
        }

        return Parse(received.ToArray());
    }

    /// <summary>The stand-in answer for "nothing came back within the limit".</summary>
    public static readonly RawResponse TimedOut = new(0, new Dictionary<string, string>(), "no answer within the limit");

    /// <returns>null when the server closed the connection without an answer.</returns>
    private static RawResponse? Parse(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0 || !text.StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return null;
        }

        var lines = text[..end].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line[..colon].Trim();
            headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + ", " + line[(colon + 1)..].Trim() : line[(colon + 1)..].Trim();
        }

        var body = bytes.AsSpan(Encoding.Latin1.GetByteCount(text[..(end + 4)]));
        var content = headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase)
            ? Dechunk(body)
            : body.ToArray();
        return new RawResponse(status, headers, Encoding.UTF8.GetString(content));
    }

    private static byte[] Dechunk(ReadOnlySpan<byte> body)
    {
        using var output = new MemoryStream();
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var size = Convert.ToInt32(Encoding.ASCII.GetString(body[..lineEnd]).Split(';')[0].Trim(), 16);
            if (size == 0 || body.Length < lineEnd + 2 + size)
            {
                break;
            }

            output.Write(body.Slice(lineEnd + 2, size));
            body = body[(lineEnd + 2 + size + 2)..];
        }

        return output.ToArray();
    }
}
