namespace Checkup.Functions.Triggers;

/// <summary>
/// How the process runs the triggers itself when there is no Functions host (<c>Triggers__*</c>). The defaults
/// are FunctionApp/host.json's <c>extensions.queues</c> and <c>functionTimeout</c> and CleanupImages/function.json's
/// schedule (a test keeps them equal), so a message is treated the same with or without the host.
/// </summary>
public sealed class StandaloneTriggerOptions
{
    /// <summary>host.json <c>queues.batchSize</c>: messages processed at once (a finished one's slot takes the next message at once).</summary>
    public int BatchSize { get; set; } = 8;

    /// <summary>host.json <c>queues.maxDequeueCount</c>: deliveries before a failing message moves to <c>&lt;queue&gt;-poison</c>.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>host.json <c>queues.visibilityTimeout</c>: how long a failed message stays invisible before its next delivery.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>host.json <c>queues.maxPollingInterval</c>: the longest wait between polls of an empty queue.</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>host.json <c>functionTimeout</c>: a message being processed stays invisible this long.</summary>
    public TimeSpan FunctionTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>CleanupImages/function.json <c>schedule</c> (NCRONTAB with seconds).</summary>
    public string CleanupSchedule { get; set; } = "0 */5 * * * *";
}
