using Azure.Storage.Blobs;
using FunctionsHost.Configuration;
using FunctionsHost.Http;
using FunctionsHost.Invocations;
using FunctionsHost.Queues;
using FunctionsHost.Timers;
using FunctionsHost.Workers;

namespace FunctionsHost;

/// <summary>
/// Once the worker has indexed its functions: publishes the HTTP routes, prints the function list as func start
/// does, and runs a listener per queue and timer trigger until the host stops (before the worker is terminated).
/// </summary>
internal sealed class TriggerListeners(
    ScriptHost host,
    WorkerSupervisor supervisor,
    Invoker invoker,
    FunctionEndpoints endpoints,
    ServerPorts ports,
    Shutdown shutdown,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Host.Startup");

    protected override async Task ExecuteAsync(CancellationToken hostStopping)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, shutdown.Stopping);
        try
        {
            await RunAsync(stop.Token);
        }
        finally
        {
            shutdown.ListenersStopped();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        IReadOnlyList<FunctionDescriptor> functions;
        try
        {
            functions = await supervisor.Functions.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        endpoints.Publish(functions);

        var lines = new List<string> { "", "Functions:", "" };
        var runs = new List<Task>();
        foreach (var function in functions)
        {
            try
            {
                lines.Add($"\t{function.Name}: {Describe(function, runs, stoppingToken)}");
            }
            catch (Exception exception) when (exception is InvalidOperationException or FormatException or ArgumentException)
            {
                // As the Azure host: a function in error does not stop the others.
                lines.Add($"\t{function.Name}: error: {exception.Message}");
                _logger.LogError("The '{Name}' function is in error: {Message}", function.Name, exception.Message);
            }
            lines.Add("");
        }
        Console.Out.WriteLine(string.Join(Environment.NewLine, lines));
        Console.Out.Flush();
        await Task.WhenAll(runs);
    }

    private string Describe(FunctionDescriptor function, List<Task> runs, CancellationToken stoppingToken)
    {
        switch (function.TriggerType.ToLowerInvariant())
        {
            case "httptrigger":
                var methods = FunctionEndpoints.MethodsOf(function);
                var url = new Uri(ports.Public!, FunctionEndpoints.RouteOf(host, function));
                return $"[{(methods.Count == 0 ? "GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS" : string.Join(',', methods))}] {Uri.UnescapeDataString(url.ToString())}";
            case "queuetrigger":
                var queue = new QueueListener(function, host, supervisor, invoker, loggerFactory.CreateLogger($"Host.Queue.{function.Name}"));
                runs.Add(Guard(function, queue.RunAsync(stoppingToken)));
                return $"queueTrigger (queue '{queue.QueueName}')";
            case "timertrigger":
                var container = new BlobContainerClient(host.StorageConnection(null), "azure-webjobs-hosts");
                var timer = new TimerListener(function, host, supervisor, invoker, container, loggerFactory.CreateLogger($"Host.Timer.{function.Name}"));
                runs.Add(Guard(function, timer.RunAsync(stoppingToken)));
                return $"timerTrigger (schedule '{timer.Schedule}', next {timer.Schedule.GetNextOccurrence(DateTime.Now):O}{(timer.UseMonitor ? ", monitored" : "")})";
            default:
                _logger.LogWarning("Function '{Name}' has a {Type}, which this host does not run (see tools/FunctionsHost/README.md).", function.Name, function.TriggerType);
                return $"{function.TriggerType} (not run by this host)";
        }
    }

    private async Task Guard(FunctionDescriptor function, Task run)
    {
        try
        {
            await run;
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception exception)
        {
            _logger.LogError("The listener of '{Name}' stopped: {Message}", function.Name, exception.Message);
        }
    }
}
