using System.Text.Json;
using Checkup.Core.Images;
using Checkup.Functions.Triggers;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Triggers;

public sealed class StandaloneTriggerTests
{
    private static readonly string FunctionApp = Path.Combine(TestEnvironment.RepositoryRoot, "Checkup.Functions", "FunctionApp");

    [Fact]
    public async Task Without_the_host_the_process_consumes_the_queue_itself_and_poisons_a_message_that_keeps_failing()
    {
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?>
        {
            ["Triggers:Standalone"] = "true",
            ["Triggers:MaxDequeueCount"] = "2",
            ["Triggers:VisibilityTimeout"] = "00:00:01",
            ["Triggers:MaxPollingInterval"] = "00:00:00.200",
        });

        var id = await pipeline.UploadImageAsync(Users.New());
        await pipeline.Storage.UploadQueue.SendMessageAsync("this is not an image message");

        var saved = await Eventually(async () => (await pipeline.RowAsync(id)).Status == ImageStatus.SavedInCloudinary);
        var poisoned = await Eventually(async () => (await pipeline.Storage.PoisonQueue.PeekMessagesAsync(32)).Value.Length == 1);

        Assert.True(saved, "the uploaded image was not pushed by the in-process consumer");
        Assert.True(poisoned, "the failing message did not reach the poison queue");
        var poison = Assert.Single((await pipeline.Storage.PoisonQueue.PeekMessagesAsync(32)).Value);
        Assert.Equal("this is not an image message", poison.Body.ToString());
        Assert.Equal(0, await pipeline.QueuedCountAsync() + (await pipeline.Storage.UploadQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_push_that_hangs_holds_one_slot_while_the_next_messages_go_through_the_others()
    {
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?>
        {
            ["Triggers:Standalone"] = "true",
            ["Triggers:BatchSize"] = "2",
            ["Triggers:MaxPollingInterval"] = "00:00:00.200",
            ["Cloudinary:Timeout"] = "00:10:00",
        });
        pipeline.Cloudinary.FailNext(1, new StandInFailure.Hang(TimeSpan.FromMinutes(5)));
        var user = Users.New();
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await pipeline.UploadImageAsync(user));
        }

        // Whichever push reaches the stand-in first hangs for minutes in one of the two slots; the two other images
        // must pass through the other slot, one after the other, instead of waiting for the hung one's batch.
        async Task<ImageRow[]> Rows() => await Task.WhenAll(ids.Select(pipeline.RowAsync));
        var othersSaved = await Eventually(async () => (await Rows()).Count(r => r.Status == ImageStatus.SavedInCloudinary) == 2);

        Assert.True(othersSaved, "the images behind a hanging push were not processed while it hung");
        var rows = await Rows();
        Assert.Single(rows, r => r.Status == ImageStatus.SavedLocally);
        Assert.Equal(3, pipeline.Cloudinary.UploadRequests);
    }

    [Fact]
    public void Standalone_defaults_are_host_json_queue_settings_and_the_cleanup_functions_schedule()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionApp, "host.json"))).RootElement;
        var queues = host.GetProperty("extensions").GetProperty("queues");
        var timer = JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionApp, "CleanupImages", "function.json")))
            .RootElement.GetProperty("bindings")[0];
        var defaults = new StandaloneTriggerOptions();

        Assert.Equal(queues.GetProperty("batchSize").GetInt32(), defaults.BatchSize);
        Assert.Equal(queues.GetProperty("maxDequeueCount").GetInt32(), defaults.MaxDequeueCount);
        Assert.Equal(TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture), defaults.VisibilityTimeout);
        Assert.Equal(TimeSpan.Parse(queues.GetProperty("maxPollingInterval").GetString()!, System.Globalization.CultureInfo.InvariantCulture), defaults.MaxPollingInterval);
        Assert.Equal(TimeSpan.Parse(host.GetProperty("functionTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture), defaults.FunctionTimeout);
        Assert.Equal(timer.GetProperty("schedule").GetString(), defaults.CleanupSchedule);
        Assert.False(timer.GetProperty("runOnStartup").GetBoolean()); // the standalone timer waits for the first tick too
    }

    private static async Task<bool> Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
