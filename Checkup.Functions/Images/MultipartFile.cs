using System.Text;
using Microsoft.Net.Http.Headers;

namespace Checkup.Functions.Images;

/// <summary>The file part's bytes, read straight from the request, and its length when the body's length tells it.</summary>
internal sealed record FilePart(Stream Content, long? Length);

/// <summary>
/// Finds the <c>file</c> part of a multipart/form-data body and hands out its bytes as a stream read straight from
/// the request's pipe: no form buffering, no temp files (which <c>ReadFormAsync</c>/<c>IFormFile</c> would use), and no
/// second buffered copy (which <c>MultipartReader</c> would make).
/// </summary>
internal static class MultipartFile
{
    public const string FieldName = "file";

    /// <summary>Room for the boundaries and part headers around a file of the maximum size.</summary>
    public const long EnvelopeAllowance = 64 * 1024;

    private const int MaxSectionsBeforeFile = 16;
    private const int HeadersLengthLimit = 16 * 1024;

    /// <summary>The boundary of a multipart/form-data content type; null for anything else.</summary>
    public static string? Boundary(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType) ||
            !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary);
        return boundary.Length is > 0 and <= 70 ? boundary.Value : null;
    }

    /// <summary>
    /// The file part, positioned at its first byte; null when the body has no such part. Its length is the body's
    /// length less what precedes the file and the closing delimiter <c>CRLF--boundary--CRLF</c> that ends a body whose
    /// file part comes last (as browsers and HTTP clients send it); an upload that turns out otherwise is refused.
    /// </summary>
    /// <exception cref="InvalidDataException">the body is not well-formed multipart.</exception>
    public static async Task<FilePart?> OpenAsync(System.IO.Pipelines.PipeReader body, string boundary, long? bodyLength, CancellationToken ct)
    {
        var delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        var reader = new MultipartBodyReader(body, delimiter);
        await reader.SkipPreambleAsync(ct);
        for (var i = 0; i < MaxSectionsBeforeFile; i++)
        {
            if (!await reader.ReadDelimiterLineAsync(ct))
            {
                return null;
            }

            var headers = await reader.ReadHeadersAsync(HeadersLengthLimit, ct);
            if (IsFile(headers))
            {
                var length = bodyLength - reader.Consumed - (delimiter.Length + "--\r\n".Length);
                return new FilePart(new PartStream(reader), length > 0 ? length : null);
            }

            await reader.SkipPastDelimiterAsync(ct);
        }

        return null;
    }

    private static bool IsFile(string headers)
    {
        foreach (var line in headers.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals(HeaderNames.ContentDisposition, StringComparison.OrdinalIgnoreCase))
            {
                return ContentDispositionHeaderValue.TryParse(line[(colon + 1)..].Trim(), out var disposition) &&
                       disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase) &&
                       HeaderUtilities.RemoveQuotes(disposition.Name).Equals(FieldName, StringComparison.Ordinal);
            }
        }

        return false;
    }

    /// <summary>The current part's bytes as a read-only stream.</summary>
    private sealed class PartStream(MultipartBodyReader reader) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => reader.ReadPartAsync(buffer, ct);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
