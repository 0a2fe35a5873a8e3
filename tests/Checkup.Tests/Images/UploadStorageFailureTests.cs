using System.Net;
using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Images;

public sealed class UploadStorageFailureTests
{
    [Fact]
    public async Task Upload_when_blob_storage_is_down_answers_503_and_marks_the_image_local_upload_failure()
    {
        var port = TestEnvironment.UnusedPort();
        var deadStorage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
                          $"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = deadStorage });
        var user = Users.New();

        var response = await ImagePipeline.UploadAsync(pipeline.Client(user), TestImages.Png());
        var problem = await ImagePipeline.Json(response);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("storage_unavailable", problem.GetProperty("code").GetString());
        var row = Assert.Single(await pipeline.RowsOfAsync(user));
        Assert.Equal(ImageStatus.LocalUploadFailure, row.Status);
        Assert.Contains("Staging the upload failed", row.Error);
        Assert.Equal(row.Id, problem.GetProperty("imageId").GetGuid());
    }
}
