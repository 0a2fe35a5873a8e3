using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Checkup.Tests.Images;

public sealed class CleanupTests
{
    private static Dictionary<string, string?> Immediately(string setting) => new() { [setting] = "00:00:00" };

    [Fact]
    public async Task An_image_whose_message_was_lost_ends_saved_cld_through_the_cleanups_recovery()
    {
        await using var pipeline = await ImagePipeline.StartAsync(Immediately("Images:StuckAfter"));
        var id = await pipeline.UploadImageAsync(Users.New());
        foreach (var lost in await pipeline.TakeMessagesAsync())
        {
            await pipeline.Storage.UploadQueue.DeleteMessageAsync(lost.MessageId, lost.PopReceipt);
        }

        var cleanup = await pipeline.RunCleanupAsync();
        await pipeline.DeliverQueuedAsync();
        var row = await pipeline.RowAsync(id);

        Assert.Contains("stalled images re-queued 1", cleanup.CleanupSummary);
        Assert.Equal(ImageStatus.SavedInCloudinary, row.Status);
        Assert.Contains(row.LogEntries(), e => e.Message.StartsWith("No progress for", StringComparison.Ordinal));
        Assert.Equal(1, pipeline.Cloudinary.AssetCount);
    }

    [Fact]
    public async Task Uploads_interrupted_after_staging_are_completed_and_those_interrupted_before_are_failed()
    {
        await using var pipeline = await ImagePipeline.StartAsync(Immediately("Images:StuckAfter"));
        var owner = Users.New();
        // The upload's process died after committing the blob (with its metadata) but before updating the row...
        var staged = await pipeline.UploadImageAsync(owner, TestImages.Gif(20, 10));
        await pipeline.TakeMessagesAsync();
        await pipeline.ExecuteAsync("update images set status = 'uploaded', local_path = null, sha256 = null, width = null where id = @staged", new { staged });
        // ...and another one died while the bytes were still streaming: no blob.
        var unstaged = Guid.CreateVersion7();
        await pipeline.ExecuteAsync("insert into images (id, owner_id, status) values (@unstaged, @owner, 'uploaded')", new { unstaged, owner });

        await pipeline.RunCleanupAsync();
        var completed = await pipeline.RowAsync(staged);
        var failed = await pipeline.RowAsync(unstaged);

        Assert.Equal(ImageStatus.SavedLocally, completed.Status);
        Assert.Equal($"img-{staged}", completed.LocalPath);
        Assert.Equal(20, completed.Width);
        Assert.Equal(64, completed.Sha256!.Length);
        Assert.Equal(ImageStatus.LocalUploadFailure, failed.Status);
        Assert.Contains("never completed", failed.Error);

        await pipeline.DeliverQueuedAsync();
        Assert.Equal(ImageStatus.SavedInCloudinary, (await pipeline.RowAsync(staged)).Status);
    }

    [Fact]
    public async Task Unreferenced_images_past_the_grace_period_are_deleted_with_their_blob_and_asset_but_referenced_ones_stay()
    {
        await using var pipeline = await ImagePipeline.StartAsync(Immediately("Images:UnreferencedGrace"));
        var owner = Users.New();
        var orphan = await pipeline.UploadImageAsync(owner);
        var inDraft = await pipeline.UploadImageAsync(owner);
        var inSubmitted = await pipeline.UploadImageAsync(Users.New());
        await pipeline.DeliverQueuedAsync();
        await pipeline.ExecuteAsync("insert into submissions (author_id, project_1_image) values (@owner, @inDraft)", new { owner, inDraft });
        await pipeline.ExecuteAsync(
            "insert into submissions (author_id, project_2_image, status, submitted_at) values (@author, @inSubmitted, 'submitted', now())",
            new { author = Users.New(), inSubmitted });

        var cleanup = await pipeline.RunCleanupAsync();

        Assert.Contains("unreferenced images deleted 1", cleanup.CleanupSummary);
        Assert.DoesNotContain(await pipeline.RowsOfAsync(owner), r => r.Id == orphan);
        Assert.False(await pipeline.StagedBlobExistsAsync(orphan));
        Assert.Null(pipeline.Cloudinary.Asset($"checkup/{orphan}"));
        Assert.Contains($"checkup/{orphan} (invalidated)", pipeline.Cloudinary.Destroyed);
        Assert.Equal(ImageStatus.SavedInCloudinary, (await pipeline.RowAsync(inDraft)).Status);
        Assert.Equal(ImageStatus.SavedInCloudinary, (await pipeline.RowAsync(inSubmitted)).Status);
        Assert.NotNull(pipeline.Cloudinary.Asset($"checkup/{inDraft}"));
        Assert.NotNull(pipeline.Cloudinary.Asset($"checkup/{inSubmitted}"));
    }

    [Fact]
    public async Task An_unreferenced_image_whose_asset_cannot_be_destroyed_is_kept_for_the_next_run()
    {
        await using var pipeline = await ImagePipeline.StartAsync(Immediately("Images:UnreferencedGrace"));
        var id = await pipeline.UploadImageAsync(Users.New());
        await pipeline.DeliverQueuedAsync();
        pipeline.Cloudinary.DestroyFailure = 500;

        var first = await pipeline.RunCleanupAsync();
        pipeline.Cloudinary.DestroyFailure = null;
        var second = await pipeline.RunCleanupAsync();

        Assert.Contains("kept after an error 1", first.CleanupSummary);
        Assert.Contains("unreferenced images deleted 1", second.CleanupSummary);
        Assert.Equal(0, pipeline.Cloudinary.AssetCount);
        Assert.Null(await pipeline.Factory.Services.GetRequiredService<ImageStore>().FindAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task Two_overlapping_cleanup_runs_share_the_work_without_doing_it_twice()
    {
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?> { ["Images:CleanupBatchSize"] = "2" });
        var ids = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await pipeline.UploadImageAsync(Users.New()));
        }

        await pipeline.DeliverQueuedAsync();

        var mark = pipeline.Factory.App.Lines().Length;
        var runs = await Task.WhenAll(pipeline.RunCleanupAsync(), pipeline.RunCleanupAsync());

        Assert.All(runs, r => Assert.True(r.Succeeded));
        var summaries = pipeline.Factory.App.Lines().Skip(mark).Select(HostedApp.Message).Where(l => l.StartsWith("Image cleanup:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, summaries.Count);
        var deleted = summaries.Sum(l => int.Parse(System.Text.RegularExpressions.Regex.Match(l, @"staged copies deleted (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(6, deleted);
        foreach (var id in ids)
        {
            var row = await pipeline.RowAsync(id);
            Assert.Null(row.LocalPath);
            Assert.Single(row.LogEntries(), e => e.Message.StartsWith("Staged copy deleted", StringComparison.Ordinal));
        }
    }
}
