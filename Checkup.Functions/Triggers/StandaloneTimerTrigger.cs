using Checkup.Core;
using Checkup.Functions.Hosting;
using Microsoft.Extensions.Options;

namespace Checkup.Functions.Triggers;

/// <summary>Without the Functions host, runs CleanupImages on its function.json schedule. Overlap with another instance is safe (the cleanup skips locked rows).</summary>
internal sealed class StandaloneTimerTrigger(
    IConfiguration configuration,
    StartupTasks startup,
    IServiceScopeFactory scopes,
    IOptions<StandaloneTriggerOptions> options,
    TimeProvider clock,
    ILogger<StandaloneTimerTrigger> logger) : BackgroundService
{
    /// <summary>Later than this after its due time, a tick is "past due", as the host would say.</summary>
    private static readonly TimeSpan Lateness = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!HandlerHosting.RunsTriggersInProcess(configuration))
        {
            return;
        }

        await startup.Completion.WaitAsync(stoppingToken); // migrations first: the cleanup reads their tables
        var schedule = CronSchedule.Parse(options.Value.CleanupSchedule);
        DateTimeOffset? last = null;
        logger.LogInformation("Running CleanupImages in-process on '{Schedule}' (no Functions host)", options.Value.CleanupSchedule);
        while (!stoppingToken.IsCancellationRequested)
        {
            var due = schedule.Next(clock.GetUtcNow());
            try
            {
                await Task.Delay(due - clock.GetUtcNow() is { Ticks: > 0 } wait ? wait : TimeSpan.Zero, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var tick = new TimerInvocation(clock.GetUtcNow() - due > Lateness, last, schedule.Next(due));
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var result = await scope.ServiceProvider.GetRequiredService<CleanupImagesTrigger>().InvokeAsync(tick, stoppingToken);
                foreach (var line in result.Logs)
                {
                    logger.LogInformation("CleanupImages: {Log}", line);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(e, "CleanupImages failed; it runs again on schedule");
            }

            last = due;
        }
    }
}
