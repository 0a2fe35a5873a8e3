namespace FunctionsHost.Tests;

/// <summary>Each test runs its own host on its own queues (the sample's queue names are app settings).</summary>
public sealed class QueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task String_message_is_handled_once_and_deleted()
    {
        var settings = new SampleSettings();
        await using var host = await SampleHost.StartAsync(settings);
        var queue = settings.Queue("StringQueue");
        await queue.CreateIfNotExistsAsync();

        await queue.SendMessageAsync("hello queue");

        var records = settings.Records();
        await records.WaitForAsync(r => r.Any(x => x is { Function: "QueueString", Stage: "done", Text: "hello queue" }), Patience);
        var start = records.Seen.Single(r => r is { Function: "QueueString", Stage: "start" });
        Assert.Equal(1, start.DequeueCount);
        await WaitUntilEmptyAsync(queue);
    }

    [Fact]
    public async Task QueueMessage_and_binary_parameters_get_the_message()
    {
        var settings = new SampleSettings();
        await using var host = await SampleHost.StartAsync(settings);
        var messages = settings.Queue("MessageQueue");
        var binary = settings.Queue("BinaryQueue");
        await messages.CreateIfNotExistsAsync();
        await binary.CreateIfNotExistsAsync();

        var sent = await messages.SendMessageAsync("a QueueMessage");
        await binary.SendMessageAsync(new BinaryData(new byte[] { 0, 1, 2, 254, 255 }));

        var records = await settings.Records().WaitForAsync(r =>
            r.Any(x => x.Function == "QueueMessageFunction") && r.Any(x => x.Function == "QueueBinary"), Patience);
        var message = records.Single(r => r.Function == "QueueMessageFunction");
        Assert.Equal("a QueueMessage", message.Text);
        Assert.Equal($"id={sent.Value.MessageId}", message.Stage);
        Assert.Equal(1, message.DequeueCount);
        Assert.Equal("000102FEFF", records.Single(r => r.Function == "QueueBinary").Text);
    }

    [Fact]
    public async Task Failing_message_is_tried_five_times_then_moved_to_poison()
    {
        var settings = new SampleSettings();
        await using var host = await SampleHost.StartAsync(settings);
        var queue = settings.Queue("StringQueue");
        var poison = new Azure.Storage.Queues.QueueClient(Storage.ConnectionString, settings["StringQueue"] + "-poison",
            new Azure.Storage.Queues.QueueClientOptions { MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();

        await queue.SendMessageAsync("fail always");

        var poisoned = await WaitForMessageAsync(poison);
        Assert.Equal("fail always", poisoned);
        var starts = settings.Records();
        await starts.ReadAsync();
        Assert.Equal([1, 2, 3, 4, 5], starts.Seen.Where(r => r.Stage == "start").Select(r => r.DequeueCount).Order());
        await WaitUntilEmptyAsync(queue);
    }

    [Fact]
    public async Task Invocation_longer_than_the_message_lease_is_not_delivered_twice()
    {
        // The lease is 4 s (FunctionsHost__QueueMessageLease); the function takes 6 s (under functionTimeout's
        // 10 s): the host must renew the lease at least once.
        var settings = new SampleSettings();
        await using var host = await SampleHost.StartAsync(settings);
        var queue = settings.Queue("StringQueue");
        await queue.CreateIfNotExistsAsync();

        await queue.SendMessageAsync("slow:6");

        var records = settings.Records();
        await records.WaitForAsync(r => r.Any(x => x.Stage == "done"), Patience);
        await WaitUntilEmptyAsync(queue);
        await records.ReadAsync();
        var starts = records.Seen.Where(r => r.Stage == "start").ToList();
        Assert.True(starts.Count == 1, $"delivered {starts.Count} times; host output:{Environment.NewLine}{host.Process.Output}");
        Assert.Equal(1, starts[0].DequeueCount);
    }

    [Fact]
    public async Task Invocation_past_functionTimeout_fails_and_the_message_is_retried()
    {
        // host.json functionTimeout is 10 s; the first delivery would take 30 s, the retry returns at once.
        var settings = new SampleSettings();
        await using var host = await SampleHost.StartAsync(settings);
        var queue = settings.Queue("StringQueue");
        await queue.CreateIfNotExistsAsync();

        await queue.SendMessageAsync("slowonce:30");

        var records = await settings.Records().WaitForAsync(r => r.Any(x => x is { Stage: "done", DequeueCount: 2 }), Patience);
        Assert.DoesNotContain(records, r => r is { Stage: "done", DequeueCount: 1 });
        Assert.Contains("Timeout value of 00:00:10 was exceeded by function: Functions.QueueString", host.Process.Output);
        await WaitUntilEmptyAsync(queue);
    }

    [Fact]
    public async Task Message_that_is_not_base64_goes_straight_to_poison()
    {
        var settings = new SampleSettings();
        await using var host = await SampleHost.StartAsync(settings);
        var raw = settings.Queue("StringQueue", base64: false);
        var poison = new Azure.Storage.Queues.QueueClient(Storage.ConnectionString, settings["StringQueue"] + "-poison");
        await raw.CreateIfNotExistsAsync();

        await raw.SendMessageAsync("not base64 !");

        Assert.Equal("not base64 !", await WaitForMessageAsync(poison));
        await WaitUntilEmptyAsync(raw);
        var records = settings.Records();
        await records.ReadAsync();
        Assert.DoesNotContain(records.Seen, r => r.Function == "QueueString");
    }

    private static async Task<string> WaitForMessageAsync(Azure.Storage.Queues.QueueClient queue)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await queue.ExistsAsync())
            {
                var peeked = (await queue.PeekMessagesAsync(1)).Value;
                if (peeked.Length > 0)
                {
                    return peeked[0].Body.ToString();
                }
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"No message reached {queue.Name}.");
    }

    /// <summary>Deleted, not merely invisible: the approximate count includes invisible messages.</summary>
    private static async Task WaitUntilEmptyAsync(Azure.Storage.Queues.QueueClient queue)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        int count;
        while ((count = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.Equal(0, count);
    }
}
