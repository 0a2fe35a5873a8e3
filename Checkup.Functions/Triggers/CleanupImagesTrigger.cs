using Checkup.Core.Cleanup;

namespace Checkup.Functions.Triggers;

/// <summary>CleanupImages for one timer tick, whoever ticked (the /CleanupImages endpoint or the standalone timer).</summary>
public sealed class CleanupImagesTrigger(CleanupJob cleanup, ILogger<CleanupImagesTrigger> logger)
{
    public async Task<TriggerResult> InvokeAsync(TimerInvocation timer, CancellationToken ct)
    {
        var logs = new List<string>();
        if (timer.IsPastDue)
        {
            // Late ticks are not made up: one run handles everything that is due by now.
            logger.LogWarning("CleanupImages is running late (scheduled {Next})", timer.Next);
            logs.Add("The timer is past due; running once now.");
        }

        var summary = await cleanup.RunAsync(ct);
        logs.Add("Image cleanup: " + summary);
        return new TriggerResult(true, logs);
    }
}
