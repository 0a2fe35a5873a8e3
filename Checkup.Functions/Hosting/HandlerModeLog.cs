namespace Checkup.Functions.Hosting;

/// <summary>
/// Says once at start who delivers queue messages and timer ticks, so an operator (and the package test) can
/// tell from the first lines of output whether this process consumes the queue itself.
/// </summary>
internal sealed class HandlerModeLog(IConfiguration configuration, ILogger<HandlerModeLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (HandlerHosting.HostPort(configuration) is { Length: > 0 } port)
        {
            logger.LogInformation("Running under the Functions host (port {Port}): queue and timer triggers arrive from the host", port);
        }
        else if (HandlerHosting.RunsTriggersInProcess(configuration))
        {
            logger.LogInformation("Running standalone: queue and timer triggers run in-process");
        }
        else
        {
            logger.LogInformation("Running standalone with in-process triggers off (Triggers__Standalone=false)");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
