using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;

namespace SampleWorker;

public sealed class QueueFunctions(Recorder recorder)
{
    /// <summary>
    /// "fail..." throws; "slow:N" takes N seconds; "slowonce:N" takes N seconds on its first delivery only.
    /// A start and a done record show each delivery and whether it finished.
    /// </summary>
    [Function(nameof(QueueString))]
    public async Task QueueString([QueueTrigger("%StringQueue%")] string message, FunctionContext context)
    {
        var dequeueCount = long.Parse(context.BindingContext.BindingData["DequeueCount"]?.ToString() ?? "0");
        await recorder.WriteAsync(new Record(nameof(QueueString), "start", message, dequeueCount, InvocationId: context.InvocationId));
        if (message.StartsWith("fail", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"failing on purpose: {message}");
        }
        var parts = message.Split(':');
        if (parts[0] == "slow" || (parts[0] == "slowonce" && dequeueCount == 1))
        {
            await Task.Delay(TimeSpan.FromSeconds(int.Parse(parts[1])), context.CancellationToken);
        }
        await recorder.WriteAsync(new Record(nameof(QueueString), "done", message, dequeueCount, InvocationId: context.InvocationId));
    }

    [Function(nameof(QueueMessageFunction))]
    public Task QueueMessageFunction([QueueTrigger("%MessageQueue%")] QueueMessage message) =>
        recorder.WriteAsync(new Record(nameof(QueueMessageFunction), $"id={message.MessageId}", message.MessageText, message.DequeueCount));

    [Function(nameof(QueueBinary))]
    public Task QueueBinary([QueueTrigger("%BinaryQueue%")] byte[] body) =>
        recorder.WriteAsync(new Record(nameof(QueueBinary), "done", Convert.ToHexString(body)));
}
