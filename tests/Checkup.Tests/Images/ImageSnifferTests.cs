using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Images;

public sealed class ImageSnifferTests
{
    public static TheoryData<string, byte[], string, int, int> Images => new()
    {
        { "png", TestImages.Png(640, 480), "image/png", 640, 480 },
        { "gif", TestImages.Gif(32, 16), "image/gif", 32, 16 },
        { "jpeg", TestImages.Jpeg(1024, 768), "image/jpeg", 1024, 768 },
        { "jpeg with large exif segments", TestImages.Jpeg(300, 200, app1Segments: 3), "image/jpeg", 300, 200 },
        { "webp VP8X", TestImages.WebP("VP8X", 5000, 3000), "image/webp", 5000, 3000 },
        { "webp VP8L", TestImages.WebP("VP8L", 1000, 700), "image/webp", 1000, 700 },
        { "webp VP8", TestImages.WebP("VP8 ", 800, 600), "image/webp", 800, 600 },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void Reads_type_and_size_from_the_header(string name, byte[] file, string contentType, int width, int height)
    {
        var whole = Sniff(file, file.Length);
        var byteByByte = Sniff(file, 1);

        Assert.True(whole.Header is not null, name);
        Assert.Equal(new ImageHeader(contentType, width, height), whole.Header);
        Assert.Equal(whole.Header, byteByByte.Header); // the same wherever the chunks of a stream break
    }

    [Theory]
    [InlineData("html")]
    [InlineData("svg")]
    [InlineData("text")]
    [InlineData("truncated jpeg")]
    [InlineData("png without IHDR")]
    [InlineData("zero-width gif")]
    public void Refuses_what_is_not_an_allowed_image(string kind)
    {
        var file = kind switch
        {
            "html" => TestImages.Html(),
            "svg" => TestImages.Svg(),
            "text" => "just some text that is long enough to be classified"u8.ToArray(),
            "truncated jpeg" => TestImages.Jpeg(100, 100, app1Segments: 1)[..5000],
            "png without IHDR" => [.. TestImages.Png()[..12], .. "tEXt"u8, .. new byte[20]],
            "zero-width gif" => TestImages.Gif(0, 10),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var sniffer = Sniff(file, 7);

        Assert.Null(sniffer.Header);
        Assert.False(string.IsNullOrEmpty(sniffer.Problem));
    }

    [Fact]
    public void Knows_a_jpeg_is_allowed_before_its_frame_header_arrives()
    {
        var jpeg = TestImages.Jpeg(10, 10, app1Segments: 2);
        var sniffer = new ImageSniffer();

        sniffer.Feed(jpeg.AsSpan(0, 4096));

        Assert.Equal("image/jpeg", sniffer.ContentType);
        Assert.Null(sniffer.Header);
    }

    private static ImageSniffer Sniff(byte[] file, int chunk)
    {
        var sniffer = new ImageSniffer();
        for (var i = 0; i < file.Length && !sniffer.Decided; i += chunk)
        {
            sniffer.Feed(file.AsSpan(i, Math.Min(chunk, file.Length - i)));
        }

        sniffer.Finish();
        return sniffer;
    }
}
