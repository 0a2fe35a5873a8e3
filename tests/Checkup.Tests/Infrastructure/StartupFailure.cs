namespace Checkup.Tests.Infrastructure;

public static class StartupFailure
{
    /// <summary>
    /// What the host printed when the worker, started with <paramref name="overrides"/>, refused to start: its error
    /// output (the unhandled exception) and the host's own line about the failed start.
    /// </summary>
    public static async Task<string> OfAsync(IDictionary<string, string?> overrides)
    {
        var settings = HostedApp.DefaultSettings();
        foreach (var (key, value) in overrides)
        {
            settings[HostedApp.SettingName(key)] = value;
        }

        return await HostedApp.FirstWorkerFailureAsync(settings);
    }
}
