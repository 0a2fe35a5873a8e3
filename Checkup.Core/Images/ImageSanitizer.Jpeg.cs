using BitMiracle.LibJpeg.Classic;
using NetVips;

namespace Checkup.Core.Images;

/// <summary>
/// The JPEG part. A JPEG is first decoded completely by libvips (every scan, every row); then, when it needs no
/// turning, its DCT coefficients are copied into a new file by LibJpeg.NET (jpegtran's lossless transcoding), which
/// writes only the frame, the tables, the JFIF/Adobe markers it needs for the colours, and the ICC profile segments
/// saved from the source: EXIF, XMP, IPTC, comments, maker segments and anything after the end of the image
/// (multi-picture previews, appended videos) are not carried over. The decoded pixels are the same as before.
/// </summary>
public sealed partial class ImageSanitizer
{
    private const int Icc = (int)JPEG_MARKER.APP0 + 2;

    private static SanitizeResult Jpeg(byte[] bytes, Image image, bool lossless)
    {
        var orientation = image.Contains("orientation") ? (int)image.Get("orientation") : 1;
        if (orientation is > 1 and <= 8)
        {
            return Encoded(bytes, $"JPEG turned upright (EXIF orientation {orientation}) and encoded again at quality {RotatedJpegQuality}");
        }

        if (!lossless)
        {
            return Encoded(bytes, $"JPEG encoded again at quality {RotatedJpegQuality} (Images__LosslessJpeg is off)");
        }

        // Decode everything once, so a corrupt scan or a second frame header fails here and not at Cloudinary.
        _ = image.Avg();
        byte[] copied;
        try
        {
            copied = CopyCoefficients(bytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // libvips decoded it, so it is an image; LibJpeg.NET (libjpeg 6b) lacks some codings libvips has (arithmetic).
            return Encoded(bytes, $"JPEG encoded again at quality {RotatedJpegQuality} (no lossless copy: {e.Message})");
        }

        return SanitizeResult.Clean(new SanitizedImage(copied, image.Width, image.Height, "JPEG coefficients copied losslessly"));
    }

    /// <summary>Decoded whole (a turn needs every row at once), turned upright, encoded again with only the ICC profile.</summary>
    private static SanitizeResult Encoded(byte[] bytes, string how)
    {
        using var whole = Image.JpegloadBuffer(bytes, failOn: Enums.FailOn.Error);
        using var turned = whole.Autorot();
        var written = turned.JpegsaveBuffer(q: RotatedJpegQuality, optimizeCoding: true, keep: Enums.ForeignKeep.Icc);
        return SanitizeResult.Clean(new SanitizedImage(written, turned.Width, turned.Height, how));
    }

    /// <summary>The lossless rewrite; LibJpeg.NET reports any problem by throwing, which libvips would already have seen.</summary>
    internal static byte[] CopyCoefficients(byte[] bytes)
    {
        var source = new jpeg_decompress_struct(new jpeg_error_mgr());
        var target = new jpeg_compress_struct(new jpeg_error_mgr());
        using var input = new MemoryStream(bytes, writable: false);
        using var output = new MemoryStream(bytes.Length);
        source.jpeg_stdio_src(input);
        source.jpeg_save_markers(Icc, 0xFFFF);
        source.jpeg_read_header(true);
        var coefficients = source.jpeg_read_coefficients();
        source.jpeg_copy_critical_parameters(target);
        target.Optimize_coding = true;
        target.jpeg_stdio_dest(output);
        target.jpeg_write_coefficients(coefficients);
        foreach (var marker in source.Marker_list)
        {
            if (marker.Marker == Icc && marker.Data.AsSpan().StartsWith("ICC_PROFILE\0"u8))
            {
                target.jpeg_write_marker(marker.Marker, marker.Data);
            }
        }

        target.jpeg_finish_compress();
        source.jpeg_finish_decompress();
        return output.ToArray();
    }
}
