using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NetVips;

namespace Checkup.Tests.Infrastructure;

/// <summary>
/// Image files made in the test. Up to <see cref="DecodableLimit"/> pixels they are complete images that decode (the
/// pipeline decodes every image before it reaches Cloudinary); larger ones have only real headers, enough for the
/// checks that refuse them at upload.
/// </summary>
public static partial class TestImages
{
    /// <summary>Beyond this many pixels an image is made with its header only (making it whole would take too long).</summary>
    public const long DecodableLimit = 40_000_000;

    /// <summary>A well-formed black PNG (signature, IHDR, IDAT, IEND with CRCs), optionally padded after IEND to <paramref name="totalBytes"/>.</summary>
    public static byte[] Png(int width = 64, int height = 48, int totalBytes = 0)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // truecolour
        Chunk(output, "IHDR", ihdr);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                // Every row: a filter byte and the pixels (all zero); a header-only PNG gets one short row.
                var whole = (long)width * height <= DecodableLimit;
                var row = new byte[whole ? width * 3 + 1 : Math.Min(width, 256) * 3 + 1];
                for (var y = 0; y < (whole ? height : 1); y++)
                {
                    zlib.Write(row);
                }
            }

            Chunk(output, "IDAT", compressed.ToArray());
        }

        Chunk(output, "IEND", []);
        return Pad(output.ToArray(), totalBytes);
    }

    /// <summary>
    /// A black JPEG (libvips) with optional large APP1 segments right after SOI (as EXIF puts them, with marker-looking
    /// bytes inside); past <see cref="DecodableLimit"/> pixels a header-only one.
    /// </summary>
    public static byte[] Jpeg(int width = 640, int height = 480, int app1Segments = 0)
    {
        if ((long)width * height > DecodableLimit)
        {
            return HeaderOnlyJpeg(width, height, app1Segments);
        }

        using var black = Image.Black(width, height, bands: 3);
        var encoded = black.JpegsaveBuffer(q: 90);
        using var output = new MemoryStream();
        output.Write(encoded.AsSpan(0, 2));
        for (var i = 0; i < app1Segments; i++)
        {
            Segment(output, 0xE1, LargeExifLookalike());
        }

        output.Write(encoded.AsSpan(2));
        return output.ToArray();
    }

    private static byte[] LargeExifLookalike()
    {
        var exif = new byte[60_000];
        "Exif"u8.CopyTo(exif);
        exif[100] = 0xFF; // marker-looking bytes inside a segment must be skipped, not parsed
        exif[101] = 0xC0;
        return exif;
    }

    /// <summary>APP0, the APP1 segments, a zeroed quantization table, SOF0, a token scan, EOI: a header and nothing that decodes.</summary>
    public static byte[] HeaderOnlyJpeg(int width, int height, int app1Segments = 0)
    {
        using var output = new MemoryStream();
        output.Write([0xFF, 0xD8]);
        Segment(output, 0xE0, [.. "JFIF"u8, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        for (var i = 0; i < app1Segments; i++)
        {
            Segment(output, 0xE1, LargeExifLookalike());
        }

        Segment(output, 0xDB, new byte[65]); // quantization table
        var sof = new byte[15];
        sof[0] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(sof.AsSpan(1), (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(sof.AsSpan(3), (ushort)width);
        sof[5] = 3;
        Segment(output, 0xC0, sof);
        Segment(output, 0xDA, new byte[10]);
        output.Write([0x12, 0x34, 0x56, 0xFF, 0xD9]);
        return output.ToArray();
    }

    /// <summary>A black GIF (libvips); with a zero width or height, a header-only one (no decoder takes that).</summary>
    public static byte[] Gif(int width = 32, int height = 16)
    {
        if (width > 0 && height > 0 && (long)width * height <= DecodableLimit)
        {
            using var black = Image.Black(width, height);
            return black.GifsaveBuffer();
        }

        var gif = new byte[14];
        "GIF89a"u8.CopyTo(gif);
        BinaryPrimitives.WriteUInt16LittleEndian(gif.AsSpan(6), (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(gif.AsSpan(8), (ushort)height);
        gif[13] = 0x3B;
        return gif;
    }

    /// <summary>WebP headers in their three layouts: "VP8X" (extended), "VP8L" (lossless), "VP8 " (lossy); header only, no image data.</summary>
    public static byte[] WebP(string layout, int width, int height)
    {
        var webp = new byte[40];
        "RIFF"u8.CopyTo(webp);
        BinaryPrimitives.WriteUInt32LittleEndian(webp.AsSpan(4), (uint)webp.Length - 8);
        "WEBP"u8.CopyTo(webp.AsSpan(8));
        Encoding.ASCII.GetBytes(layout).CopyTo(webp, 12);
        switch (layout)
        {
            case "VP8X":
                WriteUInt24(webp.AsSpan(24), width - 1);
                WriteUInt24(webp.AsSpan(27), height - 1);
                break;
            case "VP8L":
                webp[20] = 0x2F;
                BinaryPrimitives.WriteUInt32LittleEndian(webp.AsSpan(21), (uint)((width - 1) | ((height - 1) << 14)));
                break;
            case "VP8 ":
                webp[23] = 0x9D;
                webp[24] = 0x01;
                webp[25] = 0x2A;
                BinaryPrimitives.WriteUInt16LittleEndian(webp.AsSpan(26), (ushort)width);
                BinaryPrimitives.WriteUInt16LittleEndian(webp.AsSpan(28), (ushort)height);
                break;
        }

        return webp;
    }

    public static byte[] Html() => "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"u8.ToArray();

    public static byte[] Svg() => "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>"u8.ToArray();

    /// <summary>Appends deterministic filler so a file reaches a size.</summary>
    public static byte[] Pad(byte[] image, int totalBytes)
    {
        if (totalBytes <= image.Length)
        {
            return image;
        }

        var padded = new byte[totalBytes];
        image.CopyTo(padded, 0);
        new Random(42).NextBytes(padded.AsSpan(image.Length));
        return padded;
    }

    internal static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
        output.Write(length);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typed);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        output.Write(crc);
    }

    internal static void Segment(Stream output, byte marker, byte[] payload)
    {
        output.Write([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)((payload.Length + 2) & 0xFF)]);
        output.Write(payload);
    }

    private static void WriteUInt24(Span<byte> target, int value)
    {
        target[0] = (byte)value;
        target[1] = (byte)(value >> 8);
        target[2] = (byte)(value >> 16);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
