using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Images;

/// <summary>
/// A body with a Content-Length streams the file to storage in one Put Blob whose last byte waits for every check;
/// a chunked body falls back to staged blocks. Either way a refused upload leaves nothing behind.
/// </summary>
public sealed class StreamedUploadTests : IAsyncLifetime
{
    private ImagePipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await ImagePipeline.StartAsync();

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task Streamed_upload_stores_the_bytes_with_the_metadata_the_cleanup_reads()
    {
        var user = Users.New();
        var png = TestImages.Png(320, 200, totalBytes: 2 * 1024 * 1024 + 5);

        var response = await ImagePipeline.UploadAsync(_pipeline.Client(user), png);
        var id = (await ImagePipeline.Json(response)).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var blob = (await _pipeline.Storage.Staging.GetBlobClient($"img-{id}").DownloadContentAsync()).Value;
        Assert.Equal(png, blob.Content.ToArray());
        Assert.Equal(MD5.HashData(png), blob.Details.ContentHash);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png)), blob.Details.Metadata["sha256"]);
        Assert.Equal("320", blob.Details.Metadata["width"]);
        Assert.Equal("200", blob.Details.Metadata["height"]);
        Assert.Equal(Uri.EscapeDataString(user), blob.Details.Metadata["owner"]);
    }

    [Fact]
    public async Task Chunked_upload_without_content_length_is_staged_in_blocks_and_stored()
    {
        var user = Users.New();
        var png = TestImages.Png(64, 48, totalBytes: 3 * 1024 * 1024 + 9);
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(new NonSeekableStream(png));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "file", "photo.png");
        Assert.Null(form.Headers.ContentLength);

        var response = await _pipeline.Client(user).PostAsync("/api/images", form);
        var id = (await ImagePipeline.Json(response)).GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var blob = (await _pipeline.Storage.Staging.GetBlobClient($"img-{id}").DownloadContentAsync()).Value;
        Assert.Equal(png, blob.Content.ToArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png)), blob.Details.Metadata["sha256"]);
    }

    public static TheoryData<string, int, string> RefusedMidway => new()
    {
        { "jpeg whose frame header, past the first 64 KiB, declares 100000x100000", 413, "payload_too_large" },
        { "jpeg cut before its frame header, past the first 64 KiB", 415, "unsupported_media_type" },
    };

    [Theory]
    [MemberData(nameof(RefusedMidway))]
    public async Task Upload_refused_after_the_put_started_leaves_no_blob_row_or_message(string kind, int status, string code)
    {
        var user = Users.New();
        var bytes = kind.StartsWith("jpeg whose", StringComparison.Ordinal)
            ? TestImages.Jpeg(100_000, 100_000, app1Segments: 3)
            : TestImages.Jpeg(app1Segments: 3)[..150_000];

        var response = await ImagePipeline.UploadAsync(_pipeline.Client(user), bytes, "photo.jpg", "image/jpeg");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, (await ImagePipeline.Json(response)).GetProperty("code").GetString());
        await AssertNothingKeptAsync(user);
    }

    [Fact]
    public async Task File_part_followed_by_another_part_is_refused_with_400_and_leaves_nothing()
    {
        var user = Users.New();
        var png = TestImages.Png(64, 48, totalBytes: 200_000);
        var body = new MemoryStream();
        body.Write(Encoding.ASCII.GetBytes("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"));
        body.Write(png);
        body.Write(Encoding.ASCII.GetBytes("\r\n--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--b--\r\n"));
        var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");

        var response = await _pipeline.Client(user).PostAsync("/api/images", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("last part", (await ImagePipeline.Json(response)).GetProperty("detail").GetString());
        await AssertNothingKeptAsync(user);
    }

    private async Task AssertNothingKeptAsync(string user)
    {
        Assert.Empty(await _pipeline.RowsOfAsync(user));
        Assert.Empty(await _pipeline.StagedBlobNamesAsync());
        Assert.Equal(0, await _pipeline.QueuedCountAsync());
    }

    /// <summary>Hides the length, so HttpClient sends the body chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
