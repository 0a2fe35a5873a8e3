using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace FunctionsHost.Tests;

/// <summary>One host for the admin API tests: each invokes with inputs of its own and finds its records by them.</summary>
public sealed class AdminHostFixture : IAsyncLifetime
{
    public SampleSettings Settings { get; } = new();

    public SampleHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await SampleHost.StartAsync(Settings);

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class AdminTests(AdminHostFixture fixture) : IClassFixture<AdminHostFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private SampleHost Host => fixture.Host;

    private SampleSettings Settings => fixture.Settings;

    [Fact]
    public async Task Timer_invoked_on_demand_runs_once_with_IsPastDue_false_and_the_stored_schedule_status_left_as_it_is()
    {
        // The schedule is once a year: any Tick in this test is the one asked for.
        var status = new BlobContainerClient(Storage.ConnectionString, "azure-webjobs-hosts")
            .GetBlobClient($"timers/{Settings.Prefix}/Host.Functions.Tick/status");
        var before = await WaitForBlobAsync(status);

        var response = await InvokeAsync("Tick", """{"input": ""}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var records = Settings.Records();
        await records.WaitForAsync(r => r.Any(x => x.Function == "Tick"), Patience);
        await Host.Process.WaitForLineAsync(ExecutedSuccessfully("Tick"), Patience);
        await records.ReadAsync();
        var tick = Assert.Single(records.Seen, r => r.Function == "Tick");
        Assert.False(tick.IsPastDue);
        Assert.Equal(System.Text.Json.JsonDocument.Parse(before).RootElement.GetProperty("Next").GetDateTime(), tick.Next);
        Assert.Equal(before, (await status.DownloadContentAsync()).Value.Content.ToString());
        Assert.Single(Lines(ExecutingOnDemand("Tick")));
    }

    [Fact]
    public async Task Queue_function_invoked_on_demand_gets_the_input_as_its_message_with_dequeue_count_0()
    {
        var text = $"on demand {Guid.NewGuid():N}";

        // The name matches without regard to case, and "input" too, as in the Azure host.
        var asString = await InvokeAsync("queuestring", $$"""{"input": "{{text}}", "other": [1, 2]}""");
        var asBytes = await InvokeAsync("QueueBinary", """{"INPUT": 1.50}""");

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted], [asString.StatusCode, asBytes.StatusCode]);
        var records = await Settings.Records().WaitForAsync(r =>
            r.Any(x => x is { Function: "QueueString", Stage: "done" } && x.Text == text)
            && r.Any(x => x.Function == "QueueBinary" && x.Text == "312E3530"), Patience); // the number as its text, in UTF-8
        var started = records.Single(r => r is { Function: "QueueString", Stage: "start" } && r.Text == text);
        Assert.Equal(0, started.DequeueCount);
    }

    [Fact]
    public async Task QueueMessage_parameter_invoked_on_demand_fails_in_the_worker_for_want_of_a_message_id_as_in_Azure()
    {
        // The Azure host serializes the QueueMessage it made from the input, MessageId null, and the worker's
        // QueueMessageJsonConverter refuses a null MessageId.
        var response = await InvokeAsync("QueueMessageFunction", """{"input": "no id"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Host.Process.WaitForLineAsync(new Regex(@"Executed 'Functions\.QueueMessageFunction' \(Failed"), Patience);
        Assert.Contains("JSON payload must contain a MessageId", Host.Process.Output);
    }

    [Fact]
    public async Task Queue_invocation_on_demand_that_fails_is_not_retried_and_goes_to_no_poison_queue()
    {
        var text = $"fail on demand {Guid.NewGuid():N}";

        var response = await InvokeAsync("QueueString", $$"""{"input": "{{text}}"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var records = Settings.Records();
        await records.WaitForAsync(r => r.Any(x => x.Text == text), Patience);
        await Host.Process.WaitForLineAsync(new Regex($@"Executed 'Functions\.QueueString' \(Failed"), Patience);
        await records.ReadAsync();
        Assert.Single(records.Seen, r => r.Text == text);
        var poison = new QueueClient(Storage.ConnectionString, Settings["StringQueue"] + "-poison");
        Assert.False(await poison.ExistsAsync());
    }

    [Fact]
    public async Task Unknown_function_is_404_with_no_body()
    {
        var response = await InvokeAsync("NoSuchFunction", """{"input": "x"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Http_function_is_accepted_then_fails_in_binding_without_reaching_the_worker_as_in_Azure()
    {
        var response = await InvokeAsync("Hello", """{"input": "ada"}""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Host.Process.WaitForLineAsync(new Regex(@"Executed 'Functions\.Hello' \(Failed"), Patience);
        Assert.Contains("Exception binding parameter 'request': An HttpRequest is required", Host.Process.Output);
        Assert.Single(Lines(ExecutingOnDemand("Hello")));
    }

    [Theory]
    [InlineData("QueueBinary", "application/json", "")]
    [InlineData("QueueBinary", "application/json", "not json")]
    [InlineData("QueueBinary", "application/json", """{"input": "unterminated""")]
    [InlineData("QueueBinary", "application/json", "null")]
    [InlineData("QueueBinary", "application/json", """["x"]""")]
    [InlineData("QueueBinary", "application/json", "\"x\"")]
    [InlineData("QueueBinary", "application/json", """{"input": {"text": "x"}}""")]
    [InlineData("QueueBinary", "application/json", """{"input": ["x"]}""")]
    [InlineData("NoSuchFunction", "application/json", "not json")] // the body binds before the name is looked up
    [InlineData("QueueBinary", "text/plain", """{"input": "x"}""")]
    [InlineData("QueueBinary", null, """{"input": "x"}""")]
    public async Task Body_that_does_not_bind_is_refused_with_no_body_and_runs_nothing(string name, string? contentType, string body)
    {
        var before = Lines(ExecutingOnDemand("QueueBinary")).Count;

        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }
        var refused = await Host.Client.PostAsync($"admin/functions/{name}", content);

        Assert.Equal(contentType == "application/json" ? HttpStatusCode.BadRequest : HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
        Assert.Empty(await refused.Content.ReadAsByteArrayAsync());
        // A call that binds, afterwards: by the time it has run, a run started by the refused call would show too.
        var marker = Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.Accepted, (await InvokeAsync("QueueBinary", $$"""{"input": "{{marker}}"}""")).StatusCode);
        await Settings.Records().WaitForAsync(r => r.Any(x => x.Function == "QueueBinary" && x.Text == Convert.ToHexString(Encoding.UTF8.GetBytes(marker))), Patience);
        Assert.Equal(before + 1, Lines(ExecutingOnDemand("QueueBinary")).Count);
    }

    [Fact]
    public async Task Input_that_is_not_UTF_8_is_400()
    {
        using var content = new ByteArrayContent([.. "{\"input\": \""u8, 0xFF, 0xFE, .. "\"}"u8]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await Host.Client.PostAsync("admin/functions/QueueBinary", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private Task<HttpResponseMessage> InvokeAsync(string name, string json) =>
        Host.Client.PostAsync($"admin/functions/{name}", new StringContent(json, Encoding.UTF8, "application/json"));

    private List<string> Lines(Regex pattern) =>
        Host.Process.Output.Split(Environment.NewLine).Where(line => pattern.IsMatch(line)).ToList();

    private static Regex ExecutingOnDemand(string function) =>
        new($@"Executing 'Functions\.{function}' \(Reason='This function was programmatically called via the host APIs\.'");

    private static Regex ExecutedSuccessfully(string function) => new($@"Executed 'Functions\.{function}' \(Succeeded");

    private static async Task<string> WaitForBlobAsync(BlobClient blob)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await blob.ExistsAsync())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{blob.Name} was never written.");
            }
            await Task.Delay(200);
        }
        return (await blob.DownloadContentAsync()).Value.Content.ToString();
    }
}

/// <summary>A disabled function needs a host of its own (its setting is read at start).</summary>
public sealed class DisabledFunctionTests
{
    [Fact]
    public async Task Disabled_timer_is_never_triggered_but_runs_when_invoked_on_demand()
    {
        // Every second: were its listener running, it would have fired many times before the call below.
        var settings = new SampleSettings { ["TickSchedule"] = "* * * * * *" };
        settings.Values["AzureWebJobs.Tick.Disabled"] = "true";
        await using var host = await SampleHost.StartAsync(settings);
        await host.Process.WaitForLineAsync(new Regex("^Function Tick is disabled\\.$"), TimeSpan.FromSeconds(30));
        var records = settings.Records();
        await records.WaitForAsync(r => r.Any(x => x.Function == "Startup"), TimeSpan.FromSeconds(90)); // the other timers run

        var response = await host.Client.PostAsync("admin/functions/Tick", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await host.Process.WaitForLineAsync(new Regex(@"Executed 'Functions\.Tick' \(Succeeded"), TimeSpan.FromSeconds(90));
        await records.ReadAsync();
        var tick = Assert.Single(records.Seen, r => r.Function == "Tick");
        Assert.False(tick.IsPastDue);
        Assert.Null(tick.Next); // no listener, so no schedule status was ever stored
    }
}
