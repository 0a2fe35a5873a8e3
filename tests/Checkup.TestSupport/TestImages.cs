using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Checkup.Tests.Infrastructure;

/// <summary>Image files made in the test: real headers (what the app reads), small bodies.</summary>
public static class TestImages
{
    /// <summary>A well-formed PNG (signature, IHDR, IDAT, IEND with CRCs), optionally padded after IEND to <paramref name="totalBytes"/>.</summary>
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
                zlib.Write(new byte[Math.Min(width, 256) * 3 + 1]);
            }

            Chunk(output, "IDAT", compressed.ToArray());
        }

        Chunk(output, "IEND", []);
        return Pad(output.ToArray(), totalBytes);
    }

    /// <summary>A JPEG with APP0, optional large APP1 segments before the frame header (as EXIF puts them), SOF0, SOS, EOI.</summary>
    public static byte[] Jpeg(int width = 640, int height = 480, int app1Segments = 0)
    {
        using var output = new MemoryStream();
        output.Write([0xFF, 0xD8]);
        Segment(output, 0xE0, [.. "JFIF"u8, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        for (var i = 0; i < app1Segments; i++)
        {
            var exif = new byte[60_000];
            "Exif"u8.CopyTo(exif);
            exif[100] = 0xFF; // marker-looking bytes inside a segment must be skipped, not parsed
            exif[101] = 0xC0;
            Segment(output, 0xE1, exif);
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

    public static byte[] Gif(int width = 32, int height = 16)
    {
        var gif = new byte[14];
        "GIF89a"u8.CopyTo(gif);
        BinaryPrimitives.WriteUInt16LittleEndian(gif.AsSpan(6), (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(gif.AsSpan(8), (ushort)height);
        gif[13] = 0x3B;
        return gif;
    }

    /// <summary>WebP in its three layouts: "VP8X" (extended), "VP8L" (lossless), "VP8 " (lossy).</summary>
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

    private static void Chunk(Stream output, string type, byte[] data)
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

    private static void Segment(Stream output, byte marker, byte[] payload)
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
