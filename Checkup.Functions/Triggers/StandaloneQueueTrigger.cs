using Azure.Storage.Queues.Models;
using Checkup.Core;
using Checkup.Core.Storage;
using Checkup.Functions.Hosting;
using Microsoft.Extensions.Options;

namespace Checkup.Functions.Triggers;

/// <summary>
/// Without the Functions host, consumes <c>image-uploads</c> the way the host's queue trigger does: a taken message
/// stays invisible while it runs, is deleted on success, comes back after the visibility timeout on failure, and
/// moves to <c>image-uploads-poison</c> once it has failed the maximum number of deliveries.
/// </summary>
internal sealed class StandaloneQueueTrigger(
    IConfiguration configuration,
    StorageClients storage,
    StartupTasks startup,
    IServiceScopeFactory scopes,
    IOptions<StandaloneTriggerOptions> options,
    ILogger<StandaloneQueueTrigger> logger) : BackgroundService
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!HandlerHosting.RunsTriggersInProcess(configuration))
        {
            return;
        }

        // The queue is created by the start-up tasks, which run beside the host's start: polling before them would
        // only find it missing.
        await startup.Completion.WaitAsync(stoppingToken);
        var o = options.Value;
        var wait = MinPollingInterval;
        var running = new List<Task>();
        logger.LogInformation("Consuming queue {Queue} in-process (no Functions host)", storage.UploadQueue.Name);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Up to BatchSize invocations at once, and a free slot takes the next message at once: waiting for a whole
            // batch to finish left slots idle behind its slowest message (half of them, on average, in bench/run).
            running.RemoveAll(t => t.IsCompleted);
            if (running.Count >= o.BatchSize)
            {
                await Task.WhenAny(running);
                continue;
            }

            QueueMessage[] messages;
            try
            {
                messages = (await storage.UploadQueue.ReceiveMessagesAsync(o.BatchSize - running.Count, o.FunctionTimeout, stoppingToken)).Value;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Polling {Queue} failed", storage.UploadQueue.Name);
                messages = [];
            }

            if (messages.Length == 0)
            {
                await Delay(wait, stoppingToken);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, o.MaxPollingInterval.Ticks));
                continue;
            }

            wait = MinPollingInterval;
            running.AddRange(messages.Select(m => HandleAsync(m, o, stoppingToken)));
        }

        try
        {
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException)
        {
            // Stopping: unfinished messages come back after their invisibility ends.
        }
    }

    private async Task HandleAsync(QueueMessage message, StandaloneTriggerOptions o, CancellationToken ct)
    {
        try
        {
            if (message.DequeueCount > o.MaxDequeueCount)
            {
                await PoisonAsync(message, ct); // failed before, e.g. the process died while running it
                return;
            }

            bool succeeded;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var trigger = scope.ServiceProvider.GetRequiredService<ProcessImageTrigger>();
                var result = await trigger.InvokeAsync(new QueueInvocation(message.Body.ToMemory(), message.DequeueCount, message.MessageId), ct);
                succeeded = result.Succeeded;
                foreach (var line in result.Logs)
                {
                    logger.LogInformation("ProcessImage: {Log}", line);
                }
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                logger.LogError(e, "ProcessImage failed for message {MessageId} (delivery {DequeueCount})", message.MessageId, message.DequeueCount);
                succeeded = false;
            }

            if (succeeded)
            {
                await storage.UploadQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
            }
            else if (message.DequeueCount >= o.MaxDequeueCount)
            {
                await PoisonAsync(message, ct);
            }
            else
            {
                await storage.UploadQueue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: o.VisibilityTimeout, cancellationToken: ct);
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // The message comes back by itself when its invisibility ends.
            logger.LogWarning(e, "Settling message {MessageId} failed", message.MessageId);
        }
    }

    private async Task PoisonAsync(QueueMessage message, CancellationToken ct)
    {
        logger.LogError("Message {MessageId} failed {DequeueCount} deliveries; moved to {PoisonQueue}", message.MessageId, message.DequeueCount, storage.PoisonQueue.Name);
        await storage.PoisonQueue.SendMessageAsync(message.Body, cancellationToken: ct);
        await storage.UploadQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
    }

    private static async Task Delay(TimeSpan wait, CancellationToken ct)
    {
        try
        {
            await Task.Delay(wait, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
