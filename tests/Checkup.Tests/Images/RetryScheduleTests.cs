using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Checkup.Tests.Images;

/// <summary>
/// Retries run when they say: a failed push queues the image's next message hidden until its next attempt is due, so
/// the retry does not wait for the cleanup; copies of messages that come late or twice do nothing.
/// </summary>
public sealed partial class RetryScheduleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Pushes_that_fail_twice_are_retried_at_their_next_attempt_without_the_cleanup()
    {
        const int images = 20;
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?>
        {
            // The host's queue listener, with host.json's polling (up to 2 s on an idle queue); the cleanup timer stays
            // disabled, so a retry that waited for the cleanup would never come.
            ["AzureWebJobs.ProcessImage.Disabled"] = null,
            ["Images:RetryBaseDelay"] = "00:00:01",
            ["Images:RetryMaxDelay"] = "00:00:04",
        });
        pipeline.Cloudinary.FailEachAssetFirst(2, new StandInFailure.Status(503, "Service Unavailable"));
        var owner = Users.New("retry");
        var ids = new List<Guid>();
        for (var i = 0; i < images; i++)
        {
            ids.Add(await pipeline.UploadImageAsync(owner));
        }

        var rows = await WaitUntilAsync(pipeline, owner, rows => rows.Count == images && rows.All(r => r.Status == ImageStatus.SavedInCloudinary),
            DateTime.UtcNow.AddSeconds(90));

        Assert.All(rows, r => Assert.Equal(ImageStatus.SavedInCloudinary, r.Status));
        Assert.All(rows, r => Assert.Equal(2, r.Attempts));
        Assert.Equal(images * 3, pipeline.Cloudinary.UploadRequests);
        Assert.All(rows, r => Assert.DoesNotContain(r.LogEntries(), e => e.Message.StartsWith("Retry due", StringComparison.Ordinal)));

        // For every failure: the next attempt it announced, and when the next push started ("Pushing ... (attempt n").
        var gaps = rows.SelectMany(Gaps).ToList();
        Assert.Equal(images * 2, gaps.Count);
        Assert.All(gaps, g => Assert.True(g >= TimeSpan.Zero, $"an attempt started {-g.TotalMilliseconds} ms before it was due"));
        var seconds = gaps.Select(g => g.TotalSeconds).Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{images} images, {gaps.Count} retries: delay from nextAttemptAt to the attempt: median {Median(seconds):0.000} s, max {seconds[^1]:0.000} s, min {seconds[0]:0.000} s"));
        File.WriteAllLines(Path.Combine(ArtifactsFolder(), "retry-schedule.txt"), seconds.Select(s => s.ToString("0.000", CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task The_upload_message_delivered_again_while_a_retry_waits_does_not_push()
    {
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?> { ["Images:RetryBaseDelay"] = "00:01:00", ["Images:RetryMaxDelay"] = "00:02:00" });
        pipeline.Cloudinary.FailNext(1, new StandInFailure.Status(503));
        var id = await pipeline.UploadImageAsync(Users.New());
        var upload = Assert.Single(await pipeline.TakeMessagesAsync());

        var first = await pipeline.ProcessAsync(upload.Body.ToString());
        await pipeline.Storage.UploadQueue.DeleteMessageAsync(upload.MessageId, upload.PopReceipt); // as the host does after a success
        var again = await pipeline.ProcessAsync(upload.Body.ToString());
        var row = await pipeline.RowAsync(id);

        Assert.True(first.Succeeded);
        Assert.True(again.Succeeded);
        Assert.Equal(1, pipeline.Cloudinary.UploadRequests);
        Assert.Equal(ImageStatus.CloudinaryUploadFailure, row.Status);
        Assert.Equal(1, row.Attempts);
        Assert.True(row.NextAttemptAt > DateTime.UtcNow.AddSeconds(20), $"next attempt {row.NextAttemptAt:O}");
        Assert.True(again.Logged("waits for its retry"), string.Join(Environment.NewLine, again.Logs));
        Assert.Equal(0, await pipeline.QueuedCountAsync()); // the retry's message is there, hidden until it is due
        Assert.Equal(1, (await pipeline.Storage.UploadQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_retry_message_delivered_twice_makes_one_attempt_and_one_asset()
    {
        await using var pipeline = await ImagePipeline.StartAsync();
        pipeline.Cloudinary.FailNext(1, new StandInFailure.Status(503));
        var id = await pipeline.UploadImageAsync(Users.New());
        await pipeline.DeliverQueuedAsync();
        Assert.True(await pipeline.WaitForQueuedAsync(DateTime.UtcNow.AddSeconds(30)));
        var retry = Assert.Single(await pipeline.TakeMessagesAsync());
        Assert.Equal(2, ImageMessage.TryParse(retry.Body.ToArray())?.Attempt);

        var first = await pipeline.ProcessAsync(retry.Body.ToString());
        var second = await pipeline.ProcessAsync(retry.Body.ToString());
        var row = await pipeline.RowAsync(id);

        Assert.True(first.Succeeded);
        Assert.True(second.Succeeded);
        Assert.Equal(ImageStatus.SavedInCloudinary, row.Status);
        Assert.Equal(2, pipeline.Cloudinary.UploadRequests);
        Assert.Equal(1, pipeline.Cloudinary.Asset($"checkup/{id}")!.Versions);
        Assert.Single(row.LogEntries(), e => e.Message.StartsWith("Saved in Cloudinary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_retry_message_for_an_attempt_already_made_does_nothing()
    {
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?> { ["Images:RetryBaseDelay"] = "00:01:00", ["Images:RetryMaxDelay"] = "00:02:00" });
        pipeline.Cloudinary.FailNext(2, new StandInFailure.Status(503));
        var id = await pipeline.UploadImageAsync(Users.New());
        await pipeline.DeliverQueuedAsync(); // attempt 1 fails, attempt 2 scheduled a minute ahead
        var late = new ImageMessage(id, null, Attempt: 2).ToJson();
        await pipeline.ProcessAsync(late); // attempt 2 (e.g. the cleanup's copy), fails
        var before = await pipeline.RowAsync(id);

        var response = await pipeline.ProcessAsync(late); // the scheduled copy, late
        var after = await pipeline.RowAsync(id);

        Assert.True(response.Succeeded);
        Assert.Equal(2, before.Attempts);
        Assert.Equal(2, pipeline.Cloudinary.UploadRequests);
        Assert.Equal(before.Attempts, after.Attempts);
        Assert.Equal(before.NextAttemptAt, after.NextAttemptAt);
        Assert.True(response.Logged("already made"), string.Join(Environment.NewLine, response.Logs));
    }

    [Fact]
    public async Task A_wrong_secret_against_the_local_cloudinary_is_a_permanent_failure_that_is_not_retried()
    {
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?>
        {
            ["CLOUDINARY_URL"] = $"cloudinary://{CloudinaryStandIn.ApiKey}:not-the-secret@{CloudinaryStandIn.CloudName}",
        });
        var id = await pipeline.UploadImageAsync(Users.New());

        await pipeline.DeliverQueuedAsync();
        await pipeline.RunCleanupAsync();
        var row = await pipeline.RowAsync(id);

        Assert.Equal(ImageStatus.CloudinaryUploadFailure, row.Status);
        Assert.Equal(1, row.Attempts);
        Assert.Null(row.NextAttemptAt);
        Assert.Contains("401", row.Error);
        Assert.Contains("Invalid Signature", row.Error);
        Assert.Contains(row.LogEntries(), e => e.Message.Contains("a permanent failure, not retried"));
        Assert.Equal(1, pipeline.Cloudinary.UploadRequests);
        Assert.Equal(0, pipeline.Cloudinary.AssetCount);
        Assert.Equal(0, (await pipeline.Storage.UploadQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    /// <summary>"next attempt in 1.2 s, at 2026-12-03T08:00:01.234Z" followed by "Pushing ... (attempt n": the wait past the announced time.</summary>
    private static IEnumerable<TimeSpan> Gaps(ImageRow row)
    {
        var log = row.LogEntries();
        for (var i = 0; i < log.Count; i++)
        {
            if (NextAttempt().Match(log[i].Message) is not { Success: true } match)
            {
                continue;
            }

            var due = DateTime.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            var push = log.Skip(i + 1).First(e => e.Message.StartsWith("Pushing to Cloudinary", StringComparison.Ordinal));
            yield return push.At - due;
        }
    }

    private static async Task<IReadOnlyList<ImageRow>> WaitUntilAsync(ImagePipeline pipeline, string owner, Func<IReadOnlyList<ImageRow>, bool> done, DateTime deadline)
    {
        while (true)
        {
            var rows = await pipeline.RowsOfAsync(owner);
            if (done(rows) || DateTime.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(200);
        }
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    private static string ArtifactsFolder() => Directory.CreateDirectory(Path.Combine(TestEnvironment.RepositoryRoot, "artifacts")).FullName;

    [GeneratedRegex(@"next attempt in [0-9.]+ s, at (\S+Z)")]
    private static partial Regex NextAttempt();
}
