using System.Net;
using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Reliability;

/// <summary>
/// A client whose upload was cut off (the handler process killed mid-request) retries with the same Idempotency-Key.
/// Found by the fault run: the retry used to be handed the unfinished image (201, status 'uploaded'), an id that never
/// loads and that submit refuses. It must wait (409 upload_in_progress) until the cleanup settles the row, then get
/// the image if its bytes were stored, or upload afresh if they were not.
/// </summary>
public sealed class InterruptedUploadTests
{
    private static Dictionary<string, string?> StuckAtOnce => new() { ["Images:StuckAfter"] = "00:00:00" };

    [Fact]
    public async Task A_retry_of_an_upload_cut_off_while_streaming_waits_then_uploads_afresh()
    {
        await using var pipeline = await ImagePipeline.StartAsync(StuckAtOnce);
        var owner = Users.New();
        var key = Guid.NewGuid().ToString();
        // What the killed request left: the row in 'uploaded' holding the key, and no committed blob.
        var cutOff = Guid.CreateVersion7();
        await pipeline.ExecuteAsync("insert into images (id, owner_id, status) values (@cutOff, @owner, 'uploaded')", new { cutOff, owner });
        await pipeline.ExecuteAsync("insert into image_idempotency_keys (owner_id, key, image_id) values (@owner, @key, @cutOff)", new { owner, key, cutOff });

        var beforeCleanup = await ImagePipeline.UploadAsync(pipeline.Client(owner), TestImages.Png(), idempotencyKey: key);
        await pipeline.RunCleanupAsync();
        var afterCleanup = await ImagePipeline.UploadAsync(pipeline.Client(owner), TestImages.Png(), idempotencyKey: key);

        Assert.Equal(HttpStatusCode.Conflict, beforeCleanup.StatusCode);
        Assert.Equal("upload_in_progress", (await ImagePipeline.Json(beforeCleanup)).GetProperty("code").GetString());
        Assert.Equal(ImageStatus.LocalUploadFailure, (await pipeline.RowAsync(cutOff)).Status);
        Assert.Equal(HttpStatusCode.Created, afterCleanup.StatusCode);
        var fresh = await ImagePipeline.Json(afterCleanup);
        Assert.NotEqual(cutOff, fresh.GetProperty("id").GetGuid());
        Assert.Equal(ImageStatus.SavedLocally, fresh.GetProperty("status").GetString());
        Assert.False(afterCleanup.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task A_retry_of_an_upload_cut_off_after_its_bytes_were_stored_waits_then_gets_that_image()
    {
        await using var pipeline = await ImagePipeline.StartAsync(StuckAtOnce);
        var owner = Users.New();
        var key = Guid.NewGuid().ToString();
        var first = await ImagePipeline.UploadAsync(pipeline.Client(owner), TestImages.Png(), idempotencyKey: key);
        var id = (await ImagePipeline.Json(first)).GetProperty("id").GetGuid();
        await pipeline.TakeMessagesAsync();
        // The process died after committing the blob, before the row said so (and before answering).
        await pipeline.ExecuteAsync("update images set status = 'uploaded', local_path = null where id = @id", new { id });

        var beforeCleanup = await ImagePipeline.UploadAsync(pipeline.Client(owner), TestImages.Png(), idempotencyKey: key);
        await pipeline.RunCleanupAsync();
        var afterCleanup = await ImagePipeline.UploadAsync(pipeline.Client(owner), TestImages.Png(), idempotencyKey: key);

        Assert.Equal(HttpStatusCode.Conflict, beforeCleanup.StatusCode);
        Assert.Equal(HttpStatusCode.Created, afterCleanup.StatusCode);
        Assert.True(afterCleanup.Headers.Contains("Idempotent-Replayed"));
        var replayed = await ImagePipeline.Json(afterCleanup);
        Assert.Equal(id, replayed.GetProperty("id").GetGuid());
        Assert.Equal(ImageStatus.SavedLocally, replayed.GetProperty("status").GetString());
        Assert.Single(await pipeline.RowsOfAsync(owner));
    }
}
