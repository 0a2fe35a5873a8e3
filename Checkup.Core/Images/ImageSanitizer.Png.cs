using System.Buffers.Binary;
using System.IO.Compression;

namespace Checkup.Core.Images;

/// <summary>
/// The PNG part. libvips (libpng underneath) stops inflating once it has the last row and only prints a warning for
/// image data beyond it, so a 1x1 PNG with a 900 MB zlib bomb behind it decodes "successfully". This check inflates the
/// IDAT stream itself, stopping one byte past what the header's pixels need: bounded work, and the bomb is refused.
/// </summary>
public sealed partial class ImageSanitizer
{
    private static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    /// <returns>Why the PNG's image data does not match its header; null when it matches (or libvips has refused it already).</returns>
    internal static string? PngDataProblem(byte[] bytes)
    {
        if (bytes.Length < 33)
        {
            return null;
        }

        var header = bytes.AsSpan(16, 13);
        var width = BinaryPrimitives.ReadUInt32BigEndian(header);
        var height = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        int bitDepth = header[8], colourType = header[9];
        var interlaced = header[12] == 1;
        var channels = colourType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (channels == 0)
        {
            return null;
        }

        var needed = interlaced
            ? Adam7.Sum(p => RawSize(Passes(width, p.X0, p.Dx), Passes(height, p.Y0, p.Dy), channels, bitDepth))
            : RawSize(width, height, channels, bitDepth);
        using var data = new MemoryStream();
        for (var at = 8L; at + 12 <= bytes.Length;)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)at));
            if (at + 12 + length > bytes.Length)
            {
                break;
            }

            if (bytes.AsSpan((int)at + 4, 4).SequenceEqual("IDAT"u8))
            {
                data.Write(bytes, (int)at + 8, (int)length);
            }

            at += 12 + length;
        }

        data.Position = 0;
        using var inflate = new ZLibStream(data, CompressionMode.Decompress);
        var buffer = new byte[64 * 1024];
        long inflated = 0;
        try
        {
            int read;
            while (inflated <= needed && (read = inflate.Read(buffer)) > 0)
            {
                inflated += read;
            }
        }
        catch (InvalidDataException)
        {
            return null; // a broken stream is the decoder's to report
        }

        return inflated > needed
            ? $"The PNG's image data inflates to more than the {needed} bytes its {width}x{height} pixels need (a decompression bomb)."
            : null;
    }

    private static long Passes(uint size, int start, int step) => size <= start ? 0 : (size - start + step - 1) / step;

    private static long RawSize(long width, long height, int channels, int bitDepth) =>
        width == 0 || height == 0 ? 0 : height * (1 + (width * channels * bitDepth + 7) / 8);
}
