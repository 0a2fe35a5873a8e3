using System.Net;
using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Images;

/// <summary>
/// Issue 20, item 3: files whose headers pass the upload's streaming checks but that do not decode completely. They
/// are decoded in ProcessImage before the push (decoding at upload would hold each file in memory and multiply the
/// request's CPU; see the README), and end as a permanent, visible failure: never in Cloudinary.
/// </summary>
public sealed class HostileImageTests : IAsyncLifetime
{
    private ImagePipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await ImagePipeline.StartAsync();

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    public static TheoryData<string> Cases => ["png zlib bomb", "truncated png", "gif header then html", "jpeg with a 65535x65535 second frame", "jpeg of app segments"];

    private static byte[] Hostile(string name) => name switch
    {
        "png zlib bomb" => TestImages.PngZlibBomb(),
        "truncated png" => TestImages.TruncatedPng(),
        "gif header then html" => TestImages.GifWithHtml(),
        "jpeg with a 65535x65535 second frame" => TestImages.JpegWithHugeSecondFrame(),
        "jpeg of app segments" => TestImages.JpegOfAppSegments(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_file_that_does_not_decode_completely_ends_as_a_permanent_failure_with_its_reason_and_never_reaches_cloudinary(string name)
    {
        var owner = Users.New();
        var response = await ImagePipeline.UploadAsync(_pipeline.Client(owner), Hostile(name));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode); // its header passes the streaming checks
        var id = (await ImagePipeline.Json(response)).GetProperty("id").GetGuid();

        var row = await _pipeline.DriveAsync(id);

        Assert.Equal(ImageStatus.CloudinaryUploadFailure, row.Status);
        Assert.Null(row.NextAttemptAt); // permanent: not retried
        Assert.Equal(1, row.Attempts);
        Assert.StartsWith("Not pushed: ", row.Error);
        Assert.Contains(row.LogEntries(), e => e.Message.Contains("a permanent failure, not retried", StringComparison.Ordinal) && e.Message.Contains(row.Error!, StringComparison.Ordinal));
        Assert.Null(_pipeline.Cloudinary.Asset($"checkup/{id}"));
        Assert.Equal(0, _pipeline.Cloudinary.UploadRequests);

        // The owner sees why.
        var shown = await ImagePipeline.Json(await _pipeline.Client(owner).GetAsync($"/api/images/{id}"));
        Assert.Equal(row.Error, shown.GetProperty("error").GetString());
    }
}
