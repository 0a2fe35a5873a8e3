using System.Net;
using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Images;

/// <summary>
/// Issue 20, item 3: files larger than what the upload decodes on the spot (<c>ImageUploads.PrefixSize</c>; the small
/// ones are refused with 415 there, see UploadTests) whose headers pass the streaming checks but that do not decode
/// completely. ProcessImage decodes them before the push, and they end as a permanent, visible failure: never in Cloudinary.
/// </summary>
public sealed class HostileImageTests : IAsyncLifetime
{
    private ImagePipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await ImagePipeline.StartAsync();

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    public static TheoryData<string> Cases => ["png zlib bomb", "jpeg of app segments", "jpeg cut in half"];

    private static byte[] Hostile(string name) => name switch
    {
        "png zlib bomb" => TestImages.PngZlibBomb(),
        "jpeg of app segments" => TestImages.JpegOfAppSegments(),
        "jpeg cut in half" => TestImages.JpegWithPersonalMetadata(1200, 900)[..150_000],
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_file_that_does_not_decode_completely_ends_as_a_permanent_failure_with_its_reason_and_never_reaches_cloudinary(string name)
    {
        var owner = Users.New();
        var file = Hostile(name);
        Assert.True(file.Length > ImageUploads.PrefixSize);
        var response = await ImagePipeline.UploadAsync(_pipeline.Client(owner), file);
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
