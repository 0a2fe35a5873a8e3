using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;
using MetadataExtractor;
using MetadataExtractor.Formats.Exif;
using MetadataExtractor.Formats.Icc;
using MetadataExtractor.Formats.Iptc;
using MetadataExtractor.Formats.Jpeg;
using MetadataExtractor.Formats.Xmp;
using NetVips;
using Directory = MetadataExtractor.Directory;

namespace Checkup.Tests.Images;

/// <summary>
/// Issue 20, item 1: what reaches Cloudinary (the stand-in keeps the bytes it was sent) carries no EXIF, GPS, XMP,
/// IPTC, comments or text chunks, keeps the colour profile and the orientation, and shows the same pixels.
/// </summary>
public sealed class MetadataStrippingTests : IAsyncLifetime
{
    private ImagePipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await ImagePipeline.StartAsync();

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task A_jpeg_reaches_cloudinary_without_gps_exif_xmp_iptc_or_comment_with_its_icc_profile_and_the_same_pixels()
    {
        var original = TestImages.JpegWithPersonalMetadata();
        var before = Read(original);
        // The test image carries what the app must remove (or this test would prove nothing).
        Assert.Contains(before, d => d is GpsDirectory gps && gps.GetGeoLocation() is not null);
        Assert.Contains(before, d => d is ExifIfd0Directory ifd0 && ifd0.GetString(ExifDirectoryBase.TagMake) == TestImages.SecretMake);
        Assert.Contains(before, d => d is ExifSubIfdDirectory sub && sub.GetString(ExifDirectoryBase.TagBodySerialNumber) == TestImages.SecretSerial);
        Assert.Contains(before, d => d is XmpDirectory);
        Assert.Contains(before, d => d is IptcDirectory);
        Assert.Contains(before, d => d is JpegCommentDirectory);

        var pushed = await PushAsync(original);
        var after = Read(pushed);

        AssertNoPersonalMetadata(pushed, after);
        Assert.Contains(after, d => d is IccDirectory); // the colour profile stays
        AssertSamePixels(original, pushed);
    }

    [Fact]
    public async Task A_jpeg_turned_by_its_exif_orientation_arrives_upright_without_exif()
    {
        var original = TestImages.JpegWithPersonalMetadata(96, 64, orientation: 6);

        var pushed = await PushAsync(original);

        AssertNoPersonalMetadata(pushed, Read(pushed));
        Assert.Contains(Read(pushed), d => d is IccDirectory);
        // Orientation 6 is "turn 90 degrees clockwise to view": the pushed file is stored that way, so it shows the same.
        using var upright = Image.NewFromBuffer(original).Autorot();
        using var arrived = Image.NewFromBuffer(pushed);
        Assert.Equal((64, 96), (arrived.Width, arrived.Height));
        Assert.Equal((upright.Width, upright.Height), (arrived.Width, arrived.Height));
        // Noise re-encoded once differs a little everywhere; turned the wrong way (mirrored: same size) it differs a lot.
        using var difference = (upright - arrived).Abs();
        using var mirrored = upright.FlipHor();
        using var wrongWay = (mirrored - arrived).Abs();
        Assert.True(difference.Avg() < 10, $"mean difference {difference.Avg():0.00} after the turn and one re-encode at quality {ImageSanitizer.RotatedJpegQuality}");
        Assert.True(wrongWay.Avg() > 30, $"a mirrored image differs by only {wrongWay.Avg():0.00}: the test cannot tell orientations apart");
    }

    [Fact]
    public async Task A_real_jpeg_behind_6_mb_of_app_segments_arrives_without_them()
    {
        var original = TestImages.Jpeg(64, 48, app1Segments: 100); // 100 segments of 60 KB, then a real image

        var pushed = await PushAsync(original);

        Assert.True(original.Length > 6_000_000);
        Assert.True(pushed.Length < 10_000, $"{pushed.Length} bytes pushed");
        AssertSamePixels(original, pushed);
    }

    [Fact]
    public async Task With_lossless_jpeg_off_a_jpeg_is_encoded_again_without_metadata_and_nearly_the_same_pixels()
    {
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?> { ["Images:LosslessJpeg"] = "false" });
        var original = TestImages.JpegWithPersonalMetadata();
        var id = await pipeline.UploadImageAsync(Users.New(), original);
        await pipeline.DeliverQueuedAsync();
        Assert.Equal(ImageStatus.SavedInCloudinary, (await pipeline.RowAsync(id)).Status);
        var pushed = pipeline.Cloudinary.Content($"checkup/{id}")!;

        AssertNoPersonalMetadata(pushed, Read(pushed));
        Assert.Contains(Read(pushed), d => d is IccDirectory);
        using var a = Image.NewFromBuffer(original);
        using var b = Image.NewFromBuffer(pushed);
        using var difference = (a - b).Abs();
        Assert.True(difference.Max() > 0, "encoded again, so not bit-identical pixels");
        Assert.True(difference.Avg() < 10, $"mean difference {difference.Avg():0.00}");
    }

    [Fact]
    public async Task A_png_reaches_cloudinary_without_text_chunks_exif_or_xmp_with_its_icc_profile_and_the_same_pixels()
    {
        var original = TestImages.PngWithPersonalMetadata();
        var before = Read(original);
        Assert.Contains(before, d => d.Name == "PNG-tEXt");
        Assert.Contains(before, d => d is XmpDirectory);
        Assert.Contains(before, d => d is GpsDirectory);

        var pushed = await PushAsync(original);
        var after = Read(pushed);

        AssertNoPersonalMetadata(pushed, after);
        Assert.DoesNotContain(after, d => d.Name is "PNG-tEXt" or "PNG-iTXt" or "PNG-zTXt");
        Assert.Contains(after, d => d is IccDirectory);
        AssertSamePixels(original, pushed);
    }

    [Fact]
    public async Task A_webp_reaches_cloudinary_without_exif_or_xmp_and_a_lossless_one_keeps_its_pixels()
    {
        var original = TestImages.WebPWithPersonalMetadata();
        Assert.Contains(Read(original), d => d is GpsDirectory);
        Assert.Contains(Read(original), d => d is XmpDirectory);

        var pushed = await PushAsync(original);

        AssertNoPersonalMetadata(pushed, Read(pushed));
        AssertSamePixels(original, pushed);
    }

    private async Task<byte[]> PushAsync(byte[] original)
    {
        var id = await _pipeline.UploadImageAsync(Users.New(), original);
        await _pipeline.DeliverQueuedAsync();
        var row = await _pipeline.RowAsync(id);
        Assert.True(row.Status == ImageStatus.SavedInCloudinary, $"status {row.Status}, error {row.Error}");
        return _pipeline.Cloudinary.Content($"checkup/{id}")!;
    }

    private static IReadOnlyList<Directory> Read(byte[] image) => ImageMetadataReader.ReadMetadata(new MemoryStream(image));

    private static void AssertNoPersonalMetadata(byte[] pushed, IReadOnlyList<Directory> directories)
    {
        Assert.DoesNotContain(directories, d => d is ExifDirectoryBase or GpsDirectory or XmpDirectory or IptcDirectory or JpegCommentDirectory);
        Assert.DoesNotContain(directories, d => d.Name.Contains("Makernote", StringComparison.OrdinalIgnoreCase));
        // Also as plain bytes, in case a reader misses a place where they could hide.
        foreach (var secret in new[] { TestImages.SecretMake, TestImages.SecretSerial, TestImages.SecretComment, "GPSLatitude", "London" })
        {
            Assert.True(pushed.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(secret)) < 0, $"'{secret}' is still in the pushed file");
        }
    }

    private static void AssertSamePixels(byte[] original, byte[] pushed)
    {
        using var a = Image.NewFromBuffer(original);
        using var b = Image.NewFromBuffer(pushed);
        Assert.Equal((a.Width, a.Height, a.Bands), (b.Width, b.Height, b.Bands));
        using var difference = (a - b).Abs();
        Assert.Equal(0, difference.Max());
    }
}
