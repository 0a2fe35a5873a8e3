using System.Text.Json;
using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Triggers;

/// <summary>ProcessImage and CleanupImages run by the Functions host, on the real queue or on demand through its admin API.</summary>
public sealed class ImageTriggerTests
{
    [Fact]
    public async Task A_message_for_an_unknown_image_succeeds_with_nothing_to_do()
    {
        await using var pipeline = await ImagePipeline.StartAsync();

        var invocation = await pipeline.ProcessAsync(ImagePipeline.MessageFor(Guid.NewGuid()));

        Assert.True(invocation.Succeeded);
        Assert.True(invocation.Logged("nothing to do"), string.Join(Environment.NewLine, invocation.Logs));
    }

    [Fact]
    public async Task A_message_that_is_not_an_image_message_fails_so_the_queue_delivers_it_again()
    {
        await using var pipeline = await ImagePipeline.StartAsync();

        var invocation = await pipeline.ProcessAsync("hello");

        Assert.False(invocation.Succeeded);
        Assert.True(invocation.Logged("is not {\"imageId\""), string.Join(Environment.NewLine, invocation.Logs));
    }

    [Fact]
    public async Task The_upload_requests_trace_continues_in_processimage_through_the_message()
    {
        await using var pipeline = await ImagePipeline.StartAsync();
        var id = await pipeline.UploadImageAsync(Users.New());
        var message = Assert.Single(await pipeline.TakeMessagesAsync());
        var traced = JsonSerializer.Serialize(new { imageId = id, traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });

        var invocation = await pipeline.ProcessAsync(traced);

        Assert.True(invocation.Succeeded);
        var row = await pipeline.RowAsync(id);
        Assert.Equal(ImageStatus.SavedInCloudinary, row.Status);
        Assert.Contains(row.LogEntries(), e => e.Message.Contains("trace 0af7651916cd43dd8448eb211c80319c"));
        Assert.Contains(id.ToString(), message.Body.ToString());
    }

    [Fact]
    public async Task Both_functions_fail_while_the_database_is_down_so_the_host_retries_them()
    {
        var deadServer = $"Host=127.0.0.1;Port={TestEnvironment.UnusedPort()};Username=postgres;Database=checkup;Timeout=2";
        await using var factory = new CheckupFactory(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = deadServer });
        var app = await factory.StartAsync();

        var process = await app.InvokeAsync("ProcessImage", ImagePipeline.MessageFor(Guid.NewGuid()));
        var cleanup = await app.InvokeAsync("CleanupImages");

        Assert.False(process.Succeeded);
        Assert.False(cleanup.Succeeded);
    }

    [Fact]
    public async Task A_push_that_hangs_holds_one_of_the_hosts_slots_while_the_next_messages_go_through_the_others()
    {
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobs.ProcessImage.Disabled"] = null, // the host's queue listener delivers
            ["AzureFunctionsJobHost:extensions:queues:batchSize"] = "2",
            ["AzureFunctionsJobHost:extensions:queues:newBatchThreshold"] = "1", // a new batch as soon as one slot is free
            ["Cloudinary:Timeout"] = "00:10:00",
        });
        pipeline.Cloudinary.FailNext(1, new StandInFailure.Hang(TimeSpan.FromMinutes(5)));
        var user = Users.New();
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await pipeline.UploadImageAsync(user));
        }

        // Whichever push reaches the stand-in first hangs for minutes; the two other images must go through while it does.
        async Task<ImageRow[]> Rows() => await Task.WhenAll(ids.Select(pipeline.RowAsync));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && (await Rows()).Count(r => r.Status == ImageStatus.SavedInCloudinary) < 2)
        {
            await Task.Delay(100);
        }

        var rows = await Rows();
        Assert.Equal(2, rows.Count(r => r.Status == ImageStatus.SavedInCloudinary));
        Assert.Single(rows, r => r.Status == ImageStatus.SavedLocally);
        Assert.Equal(3, pipeline.Cloudinary.UploadRequests);
    }
}
