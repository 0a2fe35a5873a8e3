using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using FunctionsHost.Configuration;
using FunctionsHost.Invocations;
using FunctionsHost.Workers;

namespace FunctionsHost.Queues;

/// <summary>
/// Polls one queueTrigger's queue with host.json extensions.queues, as the Azure host's queue listener: batches
/// of batchSize, a new batch when in-flight work falls to newBatchThreshold, back-off to maxPollingInterval while
/// empty; delete on success, visible again after visibilityTimeout on failure, to queue-poison once the dequeue
/// count reaches maxDequeueCount; the message's invisibility is renewed while its invocation runs.
/// </summary>
internal sealed class QueueListener
{
    private readonly FunctionDescriptor _function;
    private readonly ScriptHost _host;
    private readonly WorkerSupervisor _supervisor;
    private readonly Invoker _invoker;
    private readonly ILogger _logger;
    private readonly QueueOptions _options;
    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly TimeSpan _lease;
    private readonly SemaphoreSlim _slotFreed = new(0);
    private int _inFlight;

    public QueueListener(FunctionDescriptor function, ScriptHost host, WorkerSupervisor supervisor, Invoker invoker, ILogger logger)
    {
        _function = function;
        _host = host;
        _supervisor = supervisor;
        _invoker = invoker;
        _logger = logger;
        _options = host.HostJson.Queues;
        _lease = host.QueueMessageLease;
        QueueName = host.Settings.Resolve(function.String("queueName") ?? throw new InvalidOperationException($"Function '{function.Name}': queueTrigger without queueName."))
            .ToLowerInvariant();
        var connection = host.StorageConnection(function.String("connection"));
        var options = new QueueClientOptions { MessageEncoding = _options.Base64 ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None };
        options.MessageDecodingFailed += OnDecodingFailedAsync;
        _queue = new QueueClient(connection, QueueName, options);
        // The poison copy is the message as it was on the queue: sent raw, whatever the encoding.
        _poison = new QueueClient(connection, QueueName + "-poison", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
    }

    public string QueueName { get; }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var created = false;
        var delay = QueueOptions.MinPollingInterval;
        var running = new List<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (Volatile.Read(ref _inFlight) > _options.NewBatchThreshold)
                {
                    await _slotFreed.WaitAsync(stoppingToken);
                    continue;
                }
                if (!created)
                {
                    await _queue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    created = true;
                }
                var worker = await _supervisor.WaitReadyAsync(stoppingToken);
                QueueMessage[] messages = await _queue.ReceiveMessagesAsync(_options.BatchSize, _lease, stoppingToken);
                if (messages.Length == 0)
                {
                    await Task.Delay(delay, stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(_options.MaxPollingInterval.Ticks, delay.Ticks * 2));
                    continue;
                }
                delay = QueueOptions.MinPollingInterval;
                running.RemoveAll(t => t.IsCompleted);
                foreach (var message in messages)
                {
                    Interlocked.Increment(ref _inFlight);
                    running.Add(ProcessAsync(worker, message, stoppingToken));
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Storage unreachable or throttling: keep the listener alive and poll again later.
                _logger.LogError("Polling queue '{Queue}' failed: {Message}", QueueName, exception.Message);
                await Task.Delay(_options.MaxPollingInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        await Task.WhenAll(running);
    }

    private async Task ProcessAsync(ReadyWorker worker, QueueMessage message, CancellationToken stoppingToken)
    {
        await Task.Yield();
        var receipt = new Receipt(message.PopReceipt);
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewal = RenewAsync(message, receipt, renewing.Token);
        try
        {
            var request = QueueInvocation.Request(_function, message);
            var outcome = await _invoker.InvokeAsync(worker, _function, request,
                $"New queue message detected on '{QueueName}'.", CancellationToken.None);
            await renewing.CancelAsync();
            await renewal;
            if (outcome.Succeeded)
            {
                await _queue.DeleteMessageAsync(message.MessageId, receipt.Value, CancellationToken.None);
            }
            else if (message.DequeueCount >= _options.MaxDequeueCount)
            {
                _logger.LogWarning("Message {Id} has reached MaxDequeueCount of {Max}. Moving message to queue '{Poison}'.",
                    message.MessageId, _options.MaxDequeueCount, _poison.Name);
                await _poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
                await _poison.SendMessageAsync(RawText(message), CancellationToken.None);
                await _queue.DeleteMessageAsync(message.MessageId, receipt.Value, CancellationToken.None);
            }
            else
            {
                await _queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: _options.VisibilityTimeout, cancellationToken: CancellationToken.None);
            }
        }
        catch (RequestFailedException exception)
        {
            // Typically the message's lease was lost: another delivery will handle it.
            _logger.LogError("Completing message {Id} on '{Queue}' failed: {Message}", message.MessageId, QueueName, exception.Message);
        }
        finally
        {
            await renewing.CancelAsync();
            await renewal;
            Interlocked.Decrement(ref _inFlight);
            _slotFreed.Release();
        }
    }

    /// <summary>
    /// One run now with the input as the message, for the admin API (POST /admin/functions/{name}), as the Azure
    /// host binds a string to a queue trigger: a message with no id or pop receipt, dequeue count 0. Nothing is
    /// read from or written to the queue, so a failure is not retried and goes to no poison queue. No input (a
    /// body without "input") cannot be bound, as in the Azure host: the invocation fails before the worker.
    /// </summary>
    public async Task<InvocationOutcome> InvokeOnDemandAsync(string? input, string reason, CancellationToken stoppingToken)
    {
        if (input is null)
        {
            return _invoker.FailBinding(_function, reason, "Unable to convert trigger to IStorageQueueMessage.");
        }
        var worker = await _supervisor.WaitReadyAsync(stoppingToken);
        var message = QueuesModelFactory.QueueMessage(messageId: null, popReceipt: null, messageText: input, dequeueCount: 0);
        return await _invoker.InvokeAsync(worker, _function, QueueInvocation.Request(_function, message), reason, CancellationToken.None);
    }

    /// <summary>
    /// Keeps the message invisible while the invocation runs: a new lease when half of the time left is gone,
    /// counted from the storage's own NextVisibleOn, so a slow receive or a busy machine does not eat the margin.
    /// </summary>
    private async Task RenewAsync(QueueMessage message, Receipt receipt, CancellationToken cancellationToken)
    {
        var visibleAt = message.NextVisibleOn ?? DateTimeOffset.UtcNow + _lease;
        try
        {
            while (true)
            {
                var left = visibleAt - DateTimeOffset.UtcNow;
                await Task.Delay(left > TimeSpan.Zero ? left / 2 : TimeSpan.Zero, cancellationToken);
                var updated = await _queue.UpdateMessageAsync(message.MessageId, receipt.Value, visibilityTimeout: _lease, cancellationToken: cancellationToken);
                receipt.Value = updated.Value.PopReceipt;
                visibleAt = updated.Value.NextVisibleOn;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (RequestFailedException exception)
        {
            _logger.LogWarning("Renewing message {Id} on '{Queue}' failed: {Message}", message.MessageId, QueueName, exception.Message);
        }
    }

    private string RawText(QueueMessage message) =>
        _options.Base64 ? Convert.ToBase64String(message.Body.ToArray()) : message.Body.ToString();

    /// <summary>A message that is not valid base64 on a base64 queue can never be read: straight to the poison queue.</summary>
    private async Task OnDecodingFailedAsync(QueueMessageDecodingFailedEventArgs args)
    {
        if (args.ReceivedMessage is not { } message)
        {
            return;
        }
        _logger.LogWarning("Message {Id} on '{Queue}' is not valid base64 (messageEncoding is base64); moving it to '{Poison}'.",
            message.MessageId, QueueName, _poison.Name);
        await _poison.CreateIfNotExistsAsync();
        await _poison.SendMessageAsync(message.Body.ToString());
        await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
    }

    /// <summary>The current pop receipt: each renewal replaces it.</summary>
    private sealed class Receipt(string value)
    {
        public string Value { get; set; } = value;
    }
}
