using Azure.Storage.Blobs;
using FunctionsHost.Admin;
using FunctionsHost.Configuration;
using FunctionsHost.Http;
using FunctionsHost.Invocations;
using FunctionsHost.Queues;
using FunctionsHost.Timers;
using FunctionsHost.Workers;

namespace FunctionsHost;

/// <summary>
/// Once the worker has indexed its functions: publishes the HTTP routes and the functions the admin API can
/// invoke, prints the function list as func start does, and runs a listener per queue and timer trigger until the
/// host stops (before the worker is terminated), then lets the admin API's invocations finish.
/// </summary>
internal sealed class TriggerListeners(
    ScriptHost host,
    WorkerSupervisor supervisor,
    Invoker invoker,
    FunctionEndpoints endpoints,
    ServerPorts ports,
    Shutdown shutdown,
    OnDemandInvocations invocations,
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
        var disabled = new List<string>();
        var runs = new List<Task>();
        var onDemand = new Dictionary<string, OnDemandInvocation>(StringComparer.OrdinalIgnoreCase);
        foreach (var function in functions)
        {
            try
            {
                var trigger = Prepare(function);
                // A function in error is not invocable (the Azure host leaves it out of its functions); a disabled
                // one is, but nothing triggers it.
                onDemand[function.Name] = trigger.OnDemand;
                if (host.Settings.IsFunctionDisabled(function.Name))
                {
                    disabled.Add($"Function {function.Name} is disabled.");
                    continue;
                }
                lines.Add($"\t{function.Name}: {trigger.Description}");
                if (trigger.Listen is { } listen)
                {
                    runs.Add(Guard(function, listen(stoppingToken)));
                }
            }
            catch (Exception exception) when (exception is InvalidOperationException or FormatException or ArgumentException)
            {
                // As the Azure host: a function in error does not stop the others.
                lines.Add($"\t{function.Name}: error: {exception.Message}");
                _logger.LogError("The '{Name}' function is in error: {Message}", function.Name, exception.Message);
            }
            lines.Add("");
        }
        lines.AddRange(disabled); // as func start, after the list
        invocations.Publish(onDemand);
        Console.Out.WriteLine(string.Join(Environment.NewLine, lines));
        Console.Out.Flush();
        await Task.WhenAll(runs);
        await invocations.DrainAsync();
    }

    /// <summary>What a function's trigger is: its line in the list, its listener (if this host runs one) and its admin-API invocation.</summary>
    private sealed record Trigger(string Description, Func<CancellationToken, Task>? Listen, OnDemandInvocation OnDemand);

    private Trigger Prepare(FunctionDescriptor function)
    {
        switch (function.TriggerType.ToLowerInvariant())
        {
            case "httptrigger":
                var methods = FunctionEndpoints.MethodsOf(function);
                var url = new Uri(ports.Public!, FunctionEndpoints.RouteOf(host, function));
                // The Azure host binds an admin call's input to an HTTP trigger, which needs a request: the
                // invocation fails in binding (HttpTriggerAttributeBindingProvider), after the call got its 202.
                return new Trigger(
                    $"[{(methods.Count == 0 ? "GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS" : string.Join(',', methods))}] {Uri.UnescapeDataString(url.ToString())}",
                    null,
                    (_, reason, _) => Task.FromResult(invoker.FailBinding(function, reason, "An HttpRequest is required")));
            case "queuetrigger":
                var queue = new QueueListener(function, host, supervisor, invoker, loggerFactory.CreateLogger($"Host.Queue.{function.Name}"));
                return new Trigger($"queueTrigger (queue '{queue.QueueName}')", queue.RunAsync, queue.InvokeOnDemandAsync);
            case "timertrigger":
                var container = new BlobContainerClient(host.StorageConnection(null), "azure-webjobs-hosts");
                var timer = new TimerListener(function, host, supervisor, invoker, container, loggerFactory.CreateLogger($"Host.Timer.{function.Name}"));
                return new Trigger(
                    $"timerTrigger (schedule '{timer.Schedule}', next {timer.Schedule.GetNextOccurrence(DateTime.Now):O}{(timer.UseMonitor ? ", monitored" : "")})",
                    timer.RunAsync,
                    (_, reason, stoppingToken) => timer.InvokeOnDemandAsync(reason, stoppingToken));
            default:
                _logger.LogWarning("Function '{Name}' has a {Type}, which this host does not run (see tools/FunctionsHost/README.md).", function.Name, function.TriggerType);
                return new Trigger(
                    $"{function.TriggerType} (not run by this host)",
                    null,
                    (_, reason, _) => Task.FromResult(invoker.FailBinding(function, reason, $"this host does not run {function.TriggerType} functions")));
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
