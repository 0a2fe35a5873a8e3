using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Checkup.Core.Cloudinary;
using Checkup.Core.Images;
using Checkup.Core.Telemetry;
using Checkup.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Checkup.Tests.Images;

public sealed class ProcessingTests : IAsyncLifetime
{
    private ImagePipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await ImagePipeline.StartAsync();

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task Happy_path_ends_saved_cld_with_the_url_and_the_cleanup_removes_the_staged_copy()
    {
        var png = TestImages.Png(800, 600, totalBytes: 2 * 1024 * 1024 + 5);
        var id = await _pipeline.UploadImageAsync(Users.New(), png);

        Assert.Equal(1, await _pipeline.DeliverQueuedAsync());
        var saved = await _pipeline.RowAsync(id);
        var asset = _pipeline.Cloudinary.Asset($"checkup/{id}");

        Assert.Equal(ImageStatus.SavedInCloudinary, saved.Status);
        Assert.NotNull(asset);
        // Not the uploaded bytes (the padding after IEND goes with the metadata; see MetadataStrippingTests), the same pixels.
        var pushed = _pipeline.Cloudinary.Content($"checkup/{id}")!;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(pushed)), asset.Sha256);
        using (var uploaded = NetVips.Image.NewFromBuffer(png))
        using (var arrived = NetVips.Image.NewFromBuffer(pushed))
        using (var difference = (uploaded - arrived).Abs())
        {
            Assert.Equal((800, 600), (arrived.Width, arrived.Height));
            Assert.Equal(0, difference.Max());
        }

        Assert.Equal($"{_pipeline.Cloudinary.BaseUrl}{CloudinaryStandIn.CloudName}/image/upload/v{asset.Version}/checkup/{id}.png", saved.CloudinaryUrl);
        Assert.Equal($"checkup/{id}", saved.CloudinaryPublicId);
        Assert.Equal(asset.Version, saved.CloudinaryVersion);
        Assert.False(string.IsNullOrEmpty(saved.CloudinaryAssetId));
        Assert.Equal($"img-{id}", saved.LocalPath);
        Assert.True(await _pipeline.StagedBlobExistsAsync(id));

        var cleanup = await _pipeline.RunCleanupAsync();
        var cleaned = await _pipeline.RowAsync(id);

        Assert.Contains("staged copies deleted 1", cleanup.CleanupSummary);
        Assert.False(await _pipeline.StagedBlobExistsAsync(id));
        Assert.Null(cleaned.LocalPath);
        Assert.Equal(ImageStatus.SavedInCloudinary, cleaned.Status);
        var log = cleaned.LogEntries().Select(e => e.Message).ToList();
        Assert.Collection(log,
            e => Assert.StartsWith("Upload started", e),
            e => Assert.StartsWith("Stored", e),
            e => Assert.StartsWith("Queueing for Cloudinary", e),
            e => Assert.StartsWith($"Pushing to Cloudinary as checkup/{id} (attempt 1", e),
            e => Assert.StartsWith("Saved in Cloudinary", e),
            e => Assert.StartsWith("Staged copy deleted", e));
        Assert.True(cleaned.LogEntries().Zip(cleaned.LogEntries().Skip(1)).All(p => p.First.At <= p.Second.At));
    }

    [Fact]
    public async Task The_trace_of_the_upload_request_continues_in_processing()
    {
        // The spans themselves (ProcessImage a child of the upload's request) are TraceCorrelationTests' subject, from
        // what the worker exports; here the trace id that travels in the message and the row's log that names it.
        var traceId = ActivityTraceId.CreateRandom();
        var traceparent = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01";

        var response = await ImagePipeline.UploadAsync(_pipeline.Client(Users.New()), TestImages.Png(), traceparent: traceparent);
        var id = (await ImagePipeline.Json(response)).GetProperty("id").GetGuid();
        var message = Assert.Single(await _pipeline.TakeMessagesAsync());
        Assert.Equal(traceId.ToString(), ImageMessage.TryParse(message.Body.ToArray())?.Traceparent?.Split('-')[1]);
        Assert.True((await _pipeline.ProcessAsync(message.Body.ToString())).Succeeded);

        Assert.Contains((await _pipeline.RowAsync(id)).LogEntries(), e => e.Message.StartsWith("Pushing", StringComparison.Ordinal) && e.Message.Contains(traceId.ToString()));
    }

    [Theory]
    [InlineData("500")]
    [InlineData("503")]
    [InlineData("429")]
    [InlineData("420")]
    [InlineData("timeout")]
    [InlineData("dropped connection")]
    [InlineData("stale timestamp")]
    public async Task Transient_cloudinary_failures_are_retried_with_backoff_until_the_push_succeeds(string failure)
    {
        await using var timeoutPipeline = failure == "timeout"
            ? await ImagePipeline.StartAsync(new Dictionary<string, string?> { ["Cloudinary:Timeout"] = "00:00:02" })
            : null;
        var pipeline = timeoutPipeline ?? _pipeline;
        pipeline.Cloudinary.FailNext(2, failure switch
        {
            "timeout" => new StandInFailure.Hang(TimeSpan.FromSeconds(30)),
            "dropped connection" => new StandInFailure.Drop(),
            "stale timestamp" => new StandInFailure.Status(400, "Stale request - reported time is 1315060510 which is out of range"),
            _ => new StandInFailure.Status(int.Parse(failure, System.Globalization.CultureInfo.InvariantCulture)),
        });
        var id = await pipeline.UploadImageAsync(Users.New());

        await pipeline.DeliverQueuedAsync();
        var failed = await pipeline.RowAsync(id);

        Assert.Equal(ImageStatus.CloudinaryUploadFailure, failed.Status);
        Assert.Equal(1, failed.Attempts);
        Assert.NotNull(failed.NextAttemptAt);
        Assert.False(string.IsNullOrEmpty(failed.Error));

        var final = await pipeline.DriveAsync(id);

        Assert.Equal(ImageStatus.SavedInCloudinary, final.Status);
        Assert.Equal(2, final.Attempts); // two failed attempts counted; the third succeeded
        Assert.Null(final.Error);
        Assert.Null(final.NextAttemptAt);
        Assert.Equal(1, pipeline.Cloudinary.AssetCount);
        var log = final.LogEntries().Select(e => e.Message).ToList();
        Assert.Equal(2, log.Count(m => m.StartsWith("Cloudinary push failed", StringComparison.Ordinal) && m.Contains("next attempt in")));
        Assert.DoesNotContain(log, m => m.StartsWith("Retry due", StringComparison.Ordinal)); // each retry came by its own message, not the cleanup
        Assert.Single(log, m => m.StartsWith("Saved in Cloudinary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_permanent_400_is_recorded_and_not_retried()
    {
        _pipeline.Cloudinary.FailAlways = new StandInFailure.Status(400, "Invalid image file");
        var id = await _pipeline.UploadImageAsync(Users.New());

        await _pipeline.DeliverQueuedAsync();
        await _pipeline.RunCleanupAsync();
        var queuedAfterCleanup = await _pipeline.QueuedCountAsync();
        var row = await _pipeline.RowAsync(id);

        Assert.Equal(ImageStatus.CloudinaryUploadFailure, row.Status);
        Assert.Equal(1, row.Attempts);
        Assert.Null(row.NextAttemptAt);
        Assert.Contains("400", row.Error);
        Assert.Contains("Invalid image file", row.Error);
        Assert.Equal(0, queuedAfterCleanup);
        Assert.Equal(1, _pipeline.Cloudinary.UploadRequests);
        Assert.Contains(row.LogEntries(), e => e.Message.Contains("permanent failure, not retried"));

        // a duplicate of the old message changes nothing either
        var again = await _pipeline.ProcessAsync(ImagePipeline.MessageFor(id));
        Assert.True(again.Succeeded);
        Assert.Equal(1, _pipeline.Cloudinary.UploadRequests);
    }

    [Fact]
    public async Task After_the_maximum_attempts_the_image_stays_failed_until_an_admin_retry_succeeds()
    {
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?> { ["Images:MaxAttempts"] = "2" });
        pipeline.Cloudinary.FailAlways = new StandInFailure.Status(503);
        var id = await pipeline.UploadImageAsync(Users.New());

        var exhausted = await pipeline.DriveAsync(id);
        await pipeline.RunCleanupAsync();

        Assert.Equal(ImageStatus.CloudinaryUploadFailure, exhausted.Status);
        Assert.Equal(2, exhausted.Attempts);
        Assert.Null(exhausted.NextAttemptAt);
        Assert.Contains(exhausted.LogEntries(), e => e.Message.Contains("giving up after 2 attempts"));
        Assert.Equal(0, await pipeline.QueuedCountAsync());

        var notAdmin = await pipeline.Client(Users.New()).PostAsync($"/api/admin/images/{id}/retry", null);
        Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);

        pipeline.Cloudinary.FailAlways = null;
        var retry = await pipeline.Client(Users.New("ops"), admin: true).PostAsync($"/api/admin/images/{id}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(0, (await ImagePipeline.Json(retry)).GetProperty("attempts").GetInt32());

        Assert.Equal(1, await pipeline.DeliverQueuedAsync());
        var saved = await pipeline.RowAsync(id);
        Assert.Equal(ImageStatus.SavedInCloudinary, saved.Status);
        Assert.Contains(saved.LogEntries(), e => e.Message.StartsWith("Retry requested by an administrator", StringComparison.Ordinal) && e.By?.StartsWith("ops-", StringComparison.Ordinal) == true);

        var retrySaved = await pipeline.Client(Users.New("ops"), admin: true).PostAsync($"/api/admin/images/{id}/retry", null);
        var retryMissing = await pipeline.Client(Users.New("ops"), admin: true).PostAsync($"/api/admin/images/{Guid.NewGuid()}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, retrySaved.StatusCode);
        Assert.Equal("image_not_retryable", (await ImagePipeline.Json(retrySaved)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, retryMissing.StatusCode);
    }

    [Fact]
    public async Task The_same_message_delivered_twice_makes_one_asset_and_one_saved_cld()
    {
        var id = await _pipeline.UploadImageAsync(Users.New());
        var message = Assert.Single(await _pipeline.TakeMessagesAsync());

        var first = await _pipeline.ProcessAsync(message.Body.ToString());
        var second = await _pipeline.ProcessAsync(message.Body.ToString());

        Assert.True(first.Succeeded);
        Assert.True(second.Succeeded);
        Assert.Equal(1, _pipeline.Cloudinary.AssetCount);
        Assert.Equal(1, _pipeline.Cloudinary.Asset($"checkup/{id}")!.Versions);
        Assert.Single((await _pipeline.RowAsync(id)).LogEntries(), e => e.Message.StartsWith("Saved in Cloudinary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_concurrent_invocations_for_one_image_make_one_asset_and_one_saved_cld()
    {
        _pipeline.Cloudinary.UploadDelay = TimeSpan.FromMilliseconds(500); // keeps the first push open while the second arrives
        var id = await _pipeline.UploadImageAsync(Users.New());
        var message = Assert.Single(await _pipeline.TakeMessagesAsync()).Body.ToString();

        var replies = await Task.WhenAll(_pipeline.ProcessAsync(message), _pipeline.ProcessAsync(message));

        Assert.All(replies, r => Assert.True(r.Succeeded));
        Assert.Equal(ImageStatus.SavedInCloudinary, (await _pipeline.RowAsync(id)).Status);
        Assert.Equal(1, _pipeline.Cloudinary.AssetCount);
        Assert.Equal(1, _pipeline.Cloudinary.Asset($"checkup/{id}")!.Versions);
        Assert.Single((await _pipeline.RowAsync(id)).LogEntries(), e => e.Message.StartsWith("Saved in Cloudinary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_crash_between_cloudinarys_200_and_the_database_update_ends_saved_cld_with_one_asset()
    {
        var id = await _pipeline.UploadImageAsync(Users.New());
        // What a crashed invocation leaves behind: Cloudinary stored the asset, the row was never updated (its
        // transaction rolled back), and the message comes back.
        await using (var scope = _pipeline.Factory.Services.CreateAsyncScope())
        {
            var blob = (await _pipeline.Storage.Staging.GetBlobClient($"img-{id}").DownloadStreamingAsync()).Value;
            var pushed = await scope.ServiceProvider.GetRequiredService<CloudinaryClient>()
                .UploadAsync(CloudinaryClient.PublicIdFor(id), blob.Content, blob.Details.ContentLength, $"img-{id}", CancellationToken.None);
            Assert.NotNull(pushed.Asset);
        }

        Assert.Equal(ImageStatus.SavedLocally, (await _pipeline.RowAsync(id)).Status);

        await _pipeline.DeliverQueuedAsync();
        var row = await _pipeline.RowAsync(id);

        Assert.Equal(ImageStatus.SavedInCloudinary, row.Status);
        Assert.Equal(1, _pipeline.Cloudinary.AssetCount);
        Assert.Equal(2, _pipeline.Cloudinary.Asset($"checkup/{id}")!.Versions); // overwritten, not duplicated
        Assert.Equal(_pipeline.Cloudinary.Asset($"checkup/{id}")!.Version, row.CloudinaryVersion);
    }

    [Fact]
    public async Task Cloudinary_storing_the_image_but_the_answer_being_lost_ends_saved_cld_with_one_asset()
    {
        _pipeline.Cloudinary.FailNext(1, new StandInFailure.StoreThenDrop());
        var id = await _pipeline.UploadImageAsync(Users.New());

        var row = await _pipeline.DriveAsync(id);

        Assert.Equal(ImageStatus.SavedInCloudinary, row.Status);
        Assert.Equal(1, row.Attempts);
        Assert.Equal(1, _pipeline.Cloudinary.AssetCount);
        Assert.Equal(2, _pipeline.Cloudinary.Asset($"checkup/{id}")!.Versions);
    }

    [Fact]
    public async Task A_missing_staged_copy_marks_the_image_local_upload_failure_and_the_invocation_succeeds()
    {
        var id = await _pipeline.UploadImageAsync(Users.New());
        await _pipeline.Storage.Staging.DeleteBlobAsync($"img-{id}");

        Assert.Equal(1, await _pipeline.DeliverQueuedAsync());
        var row = await _pipeline.RowAsync(id);

        Assert.Equal(ImageStatus.LocalUploadFailure, row.Status);
        Assert.Contains("missing", row.Error);
        Assert.Equal(0, _pipeline.Cloudinary.UploadRequests);
    }

    [Fact]
    public async Task Get_image_shows_the_cloudinary_url_once_saved()
    {
        var owner = Users.New();
        var id = await _pipeline.UploadImageAsync(owner);
        await _pipeline.DeliverQueuedAsync();

        var body = await ImagePipeline.Json(await _pipeline.Client(owner).GetAsync($"/api/images/{id}"));

        Assert.Equal("saved-cld", body.GetProperty("status").GetString());
        Assert.Equal(_pipeline.Cloudinary.DeliveryUrl($"checkup/{id}")!.ToString(), body.GetProperty("url").GetString());
        Assert.Equal($"checkup/{id}", body.GetProperty("publicId").GetString());
        Assert.Equal(0, body.GetProperty("attempts").GetInt32());
    }
}
