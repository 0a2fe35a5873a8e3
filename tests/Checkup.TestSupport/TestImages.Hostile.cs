using System.Buffers.Binary;
using System.IO.Compression;

namespace Checkup.Tests.Infrastructure;

/// <summary>
/// Files whose headers pass the upload's checks but that are no image (issue 20, item 3): the pipeline must decode
/// each completely before anything is published, and refuse it.
/// </summary>
public static partial class TestImages
{
    /// <summary>A PNG whose IHDR says 1x1, followed by one IDAT that inflates to <paramref name="inflatedBytes"/> of zeros.</summary>
    public static byte[] PngZlibBomb(long inflatedBytes = 900L * 1024 * 1024)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, 1);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), 1);
        ihdr[8] = 8;
        ihdr[9] = 2;
        Chunk(output, "IHDR", ihdr);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                var zeros = new byte[1024 * 1024];
                for (long written = 0; written < inflatedBytes; written += zeros.Length)
                {
                    zlib.Write(zeros, 0, (int)Math.Min(zeros.Length, inflatedBytes - written));
                }
            }

            Chunk(output, "IDAT", compressed.ToArray());
        }

        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>The first 40 bytes of a PNG: signature, IHDR and the start of a chunk.</summary>
    public static byte[] TruncatedPng() => Png()[..40];

    /// <summary>A GIF/JavaScript polyglot: "GIF89a/*" reads as a 10799x1 GIF header, the rest is HTML with a script.</summary>
    public static byte[] GifWithHtml() =>
        [.. "GIF89a/*"u8, 0x01, 0x00, .. "*/=1;alert(document.cookie);/*<html><body><script>alert(1)</script></body></html>*/"u8];

    /// <summary>A real JPEG with a second frame header after the first, saying 65535x65535.</summary>
    public static byte[] JpegWithHugeSecondFrame()
    {
        var jpeg = Jpeg(64, 48);
        var sof = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        var end = sof + 2 + (jpeg[sof + 2] << 8 | jpeg[sof + 3]);
        var second = jpeg[sof..end];
        second[5] = second[6] = second[7] = second[8] = 0xFF; // height and width
        return [.. jpeg[..end], .. second, .. jpeg[end..]];
    }

    /// <summary>About 6.5 MB of APP segments (APP1 to APP15, each at the 64 KiB maximum), a frame header, and no image data.</summary>
    public static byte[] JpegOfAppSegments(int segments = 100)
    {
        using var output = new MemoryStream();
        output.Write([0xFF, 0xD8]);
        var payload = new byte[65533];
        for (var i = 0; i < segments; i++)
        {
            payload[0] = (byte)i;
            Segment(output, (byte)(0xE1 + i % 15), payload);
        }

        var header = HeaderOnlyJpeg(640, 480);
        output.Write(header.AsSpan(2)); // its APP0, tables, frame, a token scan and EOI
        return output.ToArray();
    }
}
