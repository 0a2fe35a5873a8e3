namespace Checkup.Functions.Triggers;

public static class TriggerSetup
{
    /// <summary>The trigger code, and the in-process queue consumer and timer (they stay idle unless <see cref="Hosting.HandlerHosting.RunsTriggersInProcess"/>).</summary>
    public static IServiceCollection AddCheckupTriggers(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StandaloneTriggerOptions>().Configure(o => configuration.GetSection("Triggers").Bind(o))
            .Validate(o => TryParse(o.CleanupSchedule), "Triggers__CleanupSchedule must be a six-field NCRONTAB expression, e.g. '0 */5 * * * *'.")
            .Validate(o => o.BatchSize is > 0 and <= 32 && o.MaxDequeueCount > 0, "Triggers__BatchSize must be 1..32 and Triggers__MaxDequeueCount at least 1.")
            .ValidateOnStart();
        services.AddScoped<ProcessImageTrigger>();
        services.AddScoped<CleanupImagesTrigger>();
        services.AddHostedService<StandaloneQueueTrigger>();
        services.AddHostedService<StandaloneTimerTrigger>();
        return services;
    }

    private static bool TryParse(string schedule)
    {
        try
        {
            CronSchedule.Parse(schedule);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
