using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NetVips;

namespace Checkup.Core.Images;

/// <summary>What goes to Cloudinary instead of the staged bytes: decoded completely, metadata removed.</summary>
public sealed record SanitizedImage(byte[] Bytes, int Width, int Height, string How);

/// <summary>Either the clean image or why the file is refused for good (<see cref="TooManyPixels"/> tells the pixel cap from the rest).</summary>
public sealed record SanitizeResult(SanitizedImage? Image, string? Refusal, bool TooManyPixels = false)
{
    public static SanitizeResult Clean(SanitizedImage image) => new(image, null);
    public static SanitizeResult Refused(string reason) => new(null, reason);
    public static SanitizeResult OverPixelCap(string reason) => new(null, reason, TooManyPixels: true);

    /// <summary>Decoded completely, nothing written (<see cref="ImageSanitizer.Check"/>).</summary>
    public static readonly SanitizeResult Decoded = new(null, null);
}

/// <summary>
/// Decodes a staged image completely (libvips, through NetVips) before anything is published, under the pixel cap
/// (checked on the decoder's own header before a pixel is decoded) and a memory bound (decoding streams in
/// sequential access; the pixel cap bounds what a rotation holds), and removes personal metadata: EXIF (GPS, maker
/// notes, serial numbers), XMP, IPTC, comments, PNG text chunks, WebP EXIF/XMP. The colour profile stays. A JPEG
/// whose orientation is "as stored" keeps its coded data as it is (the DCT coefficients are copied, see
/// ImageSanitizer.Jpeg); a JPEG that must be turned has its orientation applied and is encoded again, since the tag
/// that carried the orientation goes with the EXIF. PNG, GIF and WebP are written again from their decoded pixels
/// (lossless for PNG and GIF; WebP keeps its lossy or lossless kind).
/// </summary>
public sealed partial class ImageSanitizer(IOptions<ImageOptions> options, ILogger<ImageSanitizer> logger)
{
    static ImageSanitizer()
    {
        // Only the four loaders below are called; this also keeps libvips from ever reaching for ImageMagick & co.
        NetVips.NetVips.BlockUntrusted = true;
        // Each image is decoded once: the operation cache would only hold its buffers.
        Cache.Max = 0;
    }

    private static readonly SemaphoreSlim Running = new(Environment.ProcessorCount, Environment.ProcessorCount);

    /// <summary>Quality of the JPEG written when an orientation has to be applied (the only re-encoded JPEGs).</summary>
    internal const int RotatedJpegQuality = 92;

    /// <summary>
    /// Reads the staged file (<paramref name="length"/> bytes, at most Images__MaxBytes, as the upload checked) and
    /// sanitizes it; <paramref name="name"/> is for the log.
    /// </summary>
    public async Task<SanitizeResult> SanitizeAsync(Stream staged, long length, string? contentType, string name, CancellationToken ct)
    {
        if (length > options.Value.MaxBytes)
        {
            return SanitizeResult.Refused($"The staged file has {length} bytes; at most {options.Value.MaxBytes} are accepted.");
        }

        // CPU-bound, and a 12 MP JPEG holds about 150 MiB while it is copied: as many at once as there are cores, so
        // eight queue invocations at once cannot hold eight of them (a Flex Consumption instance has 2 GB).
        await Running.WaitAsync(ct);
        SanitizeResult result;
        double elapsed;
        try
        {
            var bytes = new byte[length];
            await staged.ReadExactlyAsync(bytes, ct);
            var started = Stopwatch.GetTimestamp();
            result = Sanitize(bytes, contentType ?? "unknown");
            elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        finally
        {
            Running.Release();
        }

        if (result.Image is { } image)
        {
            logger.LogInformation("Image {Name}: metadata removed ({How}): {Before} -> {After} bytes in {Elapsed:0} ms",
                name, image.How, length, image.Bytes.Length, elapsed);
        }
        else
        {
            logger.LogWarning("Image {Name} refused before the push: {Reason} ({Elapsed:0} ms)", name, result.Refusal, elapsed);
        }

        return result;
    }

    /// <summary>
    /// Decodes the file completely, as <see cref="Sanitize"/> does, without writing the clean copy (the upload's check of
    /// small files: a 64 KiB PNG can inflate to 20 MP, and writing that again would cost the request seconds).
    /// </summary>
    public SanitizeResult Check(byte[] bytes, string contentType) => Sanitize(bytes, contentType, write: false);

    public SanitizeResult Sanitize(byte[] bytes, string contentType) => Sanitize(bytes, contentType, write: true);

    private SanitizeResult Sanitize(byte[] bytes, string contentType, bool write)
    {
        var maxPixels = options.Value.MaxPixels;
        try
        {
            using var image = Load(bytes, contentType);
            if (image is null)
            {
                return SanitizeResult.Refused($"The staged file is not of its recorded type {contentType}.");
            }

            var pages = image.Contains("n-pages") ? Math.Max(1, (int)image.Get("n-pages")) : 1;
            var pageHeight = image.Contains("page-height") ? (int)image.Get("page-height") : image.Height;
            long pixels = (long)image.Width * image.Height;
            if (pixels > maxPixels)
            {
                return SanitizeResult.OverPixelCap(pages > 1
                    ? $"The image has {pages} frames of {image.Width}x{pageHeight} pixels; at most {maxPixels} pixels in all are accepted."
                    : $"The image decodes as {image.Width}x{image.Height} pixels; at most {maxPixels} pixels are accepted.");
            }

            if (!write)
            {
                if (contentType == "image/png" && PngDataProblem(bytes) is { } surplus)
                {
                    return SanitizeResult.Refused(surplus);
                }

                _ = image.Avg();
                return SanitizeResult.Decoded;
            }

            return contentType switch
            {
                "image/jpeg" => Jpeg(bytes, image, options.Value.LosslessJpeg),
                "image/png" when PngDataProblem(bytes) is { } problem => SanitizeResult.Refused(problem),
                "image/png" => Upright(bytes, contentType, image, upright => upright.PngsaveBuffer(compression: 6, keep: Enums.ForeignKeep.Icc), "PNG written again from its pixels"),
                "image/gif" => Written(Gif(image), image, "GIF written again from its frames"),
                _ => Upright(bytes, contentType, image, upright => WebP(bytes, upright), "WebP written again from its pixels"),
            };
        }
        catch (VipsException e)
        {
            return SanitizeResult.Refused("The image does not decode completely: " + Reason(e.Message));
        }
    }

    /// <summary>
    /// The loader of the recorded type only, sequential (rows are decoded once, top to bottom, and not kept), failing
    /// on any decoder error or truncation instead of filling in grey. Every frame of an animation is loaded, so the
    /// pixel cap counts them all.
    /// </summary>
    private static Image? Load(byte[] bytes, string contentType) => contentType switch
    {
        "image/jpeg" => Image.JpegloadBuffer(bytes, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error),
        "image/png" => Image.PngloadBuffer(bytes, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error),
        "image/gif" => Image.GifloadBuffer(bytes, n: -1, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error),
        "image/webp" => Image.WebploadBuffer(bytes, n: -1, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error),
        _ => null,
    };

    /// <summary>
    /// Writes a PNG or WebP again; one whose EXIF says it must be turned (PNG eXIf, WebP EXIF) is turned first, since its
    /// EXIF does not go along. Turning needs every row at once, so the file is loaded again whole for that.
    /// </summary>
    private static SanitizeResult Upright(byte[] bytes, string contentType, Image image, Func<Image, byte[]> write, string how)
    {
        var orientation = image.Contains("orientation") ? (int)image.Get("orientation") : 1;
        if (orientation is <= 1 or > 8)
        {
            return Written(write(image), image, how);
        }

        using var whole = contentType == "image/png"
            ? Image.PngloadBuffer(bytes, failOn: Enums.FailOn.Error)
            : Image.WebploadBuffer(bytes, failOn: Enums.FailOn.Error);
        using var turned = whole.Autorot();
        return Written(write(turned), turned, $"{how}, turned upright (EXIF orientation {orientation})");
    }

    private static SanitizeResult Written(byte[] written, Image image, string how) =>
        SanitizeResult.Clean(new SanitizedImage(written, image.Width, image.Contains("page-height") ? (int)image.Get("page-height") : image.Height, how));

    private static byte[] Gif(Image image) =>
        // Keep the frames' timing; no dithering, and reuse of the source palette, so pixels stay what they were.
        image.GifsaveBuffer(dither: 0, reuse: true, keep: Enums.ForeignKeep.None);

    private static byte[] WebP(byte[] bytes, Image image) =>
        image.WebpsaveBuffer(q: 90, lossless: IsLosslessWebP(bytes), keep: Enums.ForeignKeep.Icc);

    /// <summary>
    /// A VP8L bitstream (the lossless coding) in the RIFF container: then the rewrite is lossless too. A guess from the
    /// chunk name only decides the encoder's mode, never whether the file is accepted.
    /// </summary>
    private static bool IsLosslessWebP(byte[] bytes) => bytes.AsSpan(12).IndexOf("VP8L"u8) >= 0;

    private static string Reason(string message)
    {
        var line = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var text = string.Join("; ", line.Take(3));
        return text.Length <= 300 ? text : text[..300] + "...";
    }
}
