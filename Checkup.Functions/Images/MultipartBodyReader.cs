using System.Buffers;
using System.IO.Pipelines;

namespace Checkup.Functions.Images;

/// <summary>
/// Walks a multipart body straight from the request's pipe (no buffered copy of it), counting the bytes it has
/// consumed so the caller can tell how long the file part must be when the body's length is known.
/// </summary>
internal sealed class MultipartBodyReader(PipeReader pipe, byte[] delimiter)
{
    private const int MaxLineLength = 1024;

    /// <summary>Bytes of the body consumed so far.</summary>
    public long Consumed { get; private set; }

    /// <summary>Skips the preamble and the first delimiter, which may open the body without its CRLF.</summary>
    public async Task SkipPreambleAsync(CancellationToken ct)
    {
        var opening = delimiter.AsMemory(2);
        var result = await pipe.ReadAtLeastAsync(opening.Length, ct);
        var buffer = result.Buffer;
        if (buffer.Length >= opening.Length && buffer.Slice(0, opening.Length).ToArray().AsSpan().SequenceEqual(opening.Span))
        {
            Advance(buffer, opening.Length);
            return;
        }

        pipe.AdvanceTo(buffer.Start);
        await SkipPastDelimiterAsync(ct);
    }

    /// <summary>The rest of the delimiter's line: false for the closing delimiter (<c>--</c>), true when a part follows.</summary>
    public async Task<bool> ReadDelimiterLineAsync(CancellationToken ct)
    {
        var line = await ReadLineAsync(MaxLineLength, ct);
        if (line.AsSpan().StartsWith("--"u8))
        {
            return false;
        }

        return line.AsSpan().Trim(" \t"u8).IsEmpty ? true : throw new InvalidDataException("A multipart boundary is followed by other characters on its line.");
    }

    /// <summary>The part's header block (up to the empty line), at most <paramref name="limit"/> bytes.</summary>
    public async Task<string> ReadHeadersAsync(int limit, CancellationToken ct)
    {
        var headers = new List<byte>();
        while (true)
        {
            var line = await ReadLineAsync(limit - headers.Count, ct);
            if (line.Length == 0)
            {
                return System.Text.Encoding.UTF8.GetString(headers.ToArray());
            }

            headers.AddRange(line);
            headers.AddRange("\r\n"u8);
        }
    }

    public async Task SkipPastDelimiterAsync(CancellationToken ct)
    {
        while (true)
        {
            var result = await pipe.ReadAsync(ct);
            var buffer = result.Buffer;
            var at = IndexOf(buffer, delimiter);
            if (at >= 0)
            {
                Advance(buffer, at + delimiter.Length);
                return;
            }

            if (result.IsCompleted)
            {
                pipe.AdvanceTo(buffer.End);
                throw new IOException("The multipart body ends before its closing boundary.");
            }

            Advance(buffer, Math.Max(0, buffer.Length - (delimiter.Length - 1)), examinedAll: true);
        }
    }

    /// <summary>Up to <paramref name="destination"/>'s length of the current part's bytes; 0 at its end.</summary>
    public async ValueTask<int> ReadPartAsync(Memory<byte> destination, CancellationToken ct)
    {
        while (true)
        {
            var result = await pipe.ReadAsync(ct);
            var buffer = result.Buffer;
            var end = IndexOf(buffer, delimiter);
            var safe = end >= 0 ? end : Math.Max(0, buffer.Length - (delimiter.Length - 1));
            if (safe > 0)
            {
                var take = (int)Math.Min(safe, destination.Length);
                buffer.Slice(0, take).CopyTo(destination.Span);
                Advance(buffer, take);
                return take;
            }

            if (end == 0)
            {
                pipe.AdvanceTo(buffer.Start);
                return 0;
            }

            if (result.IsCompleted)
            {
                pipe.AdvanceTo(buffer.End);
                throw new IOException("The multipart body ends inside the file part (its closing boundary is missing).");
            }

            pipe.AdvanceTo(buffer.Start, buffer.End); // a delimiter may be starting: wait for more
        }
    }

    private async Task<byte[]> ReadLineAsync(int limit, CancellationToken ct)
    {
        while (true)
        {
            var result = await pipe.ReadAsync(ct);
            var buffer = result.Buffer;
            var at = IndexOf(buffer.Length > limit + 2 ? buffer.Slice(0, limit + 2) : buffer, "\r\n"u8);
            if (at >= 0)
            {
                var line = buffer.Slice(0, at).ToArray();
                Advance(buffer, at + 2);
                return line;
            }

            pipe.AdvanceTo(buffer.Start, buffer.End);
            if (buffer.Length >= limit + 2)
            {
                throw new InvalidDataException($"A multipart header line or block is longer than {limit} bytes.");
            }

            if (result.IsCompleted)
            {
                throw new IOException("The multipart body ends inside a part's headers.");
            }
        }
    }

    private void Advance(ReadOnlySequence<byte> buffer, long count, bool examinedAll = false)
    {
        var consumed = buffer.GetPosition(count);
        pipe.AdvanceTo(consumed, examinedAll ? buffer.End : consumed);
        Consumed += count;
    }

    private static long IndexOf(ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> value)
    {
        if (buffer.IsSingleSegment)
        {
            return buffer.FirstSpan.IndexOf(value);
        }

        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> before, value, advancePastDelimiter: false) ? before.Length : -1;
    }
}
