using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace SampleWorker;

/// <summary>One line of evidence a function leaves for the tests: what ran, with what, in which process.</summary>
public sealed record Record(
    string Function,
    string Stage,
    string? Text = null,
    long DequeueCount = 0,
    bool IsPastDue = false,
    DateTime? Last = null,
    DateTime? Next = null,
    string? InvocationId = null)
{
    public int ProcessId { get; init; } = Environment.ProcessId;
}

/// <summary>
/// Writes records to the queue named by the ResultsQueue setting, so a test reads what the worker did through
/// storage instead of through the host under test.
/// </summary>
public sealed class Recorder(IConfiguration configuration)
{
    private readonly Lazy<Task<QueueClient>> _queue = new(async () =>
    {
        var client = new QueueClient(configuration["AzureWebJobsStorage"], configuration["ResultsQueue"]);
        await client.CreateIfNotExistsAsync();
        return client;
    });

    public async Task WriteAsync(Record record)
    {
        var queue = await _queue.Value;
        await queue.SendMessageAsync(JsonSerializer.Serialize(record));
    }
}
