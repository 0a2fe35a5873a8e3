using System.Net;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Reliability;

/// <summary>
/// The hostile corpus sends traversal file names with content that is no image (refused); this is the other half: with
/// a real image such a name is accepted and ignored. The blob is named by the image id alone, nothing else is written.
/// </summary>
public sealed class UploadFileNameTests
{
    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("..\\..\\windows\\win.ini")]
    [InlineData("/var/tmp/x.png")]
    [InlineData("img-00000000-0000-0000-0000-000000000000")]
    public async Task A_traversal_file_name_is_ignored_and_the_blob_is_named_by_the_image_id(string fileName)
    {
        await using var pipeline = await ImagePipeline.StartAsync();

        var response = await ImagePipeline.UploadAsync(pipeline.Client(Users.New()), TestImages.Png(), fileName);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await ImagePipeline.Json(response)).GetProperty("id").GetGuid();
        Assert.Equal([$"img-{id}"], await pipeline.StagedBlobNamesAsync());
        Assert.Equal($"img-{id}", (await pipeline.RowAsync(id)).LocalPath);
    }
}
