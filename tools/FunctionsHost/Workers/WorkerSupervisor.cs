using System.Diagnostics;
using FunctionsHost.Configuration;
using FunctionsHost.Invocations;
using FunctionsHost.Rpc;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;

namespace FunctionsHost.Workers;

/// <summary>A worker that has finished start-up: its stream, its HTTP address and its functions.</summary>
internal sealed record ReadyWorker(WorkerChannel Channel, int ProcessId, Uri? HttpUri, IReadOnlyList<FunctionDescriptor> Functions, Task Gone);

/// <summary>
/// Starts the worker and runs the start-up (StartStream, init, worker indexing, loads), keeps it running (a new
/// worker when it dies, with back-off when it keeps dying) and terminates it when the host stops.
/// </summary>
internal sealed class WorkerSupervisor(
    ScriptHost host,
    WorkerChannels channels,
    ServerPorts ports,
    Shutdown shutdown,
    ILoggerFactory loggerFactory) : BackgroundService
{
    public const string HostVersion = "4.1040.0.0";
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan TerminateGracePeriod = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HealthyUptime = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger = loggerFactory.CreateLogger("Host.WorkerSupervisor");
    private readonly ILogger _workerOutput = loggerFactory.CreateLogger("Worker.Console");
    private readonly TaskCompletionSource<IReadOnlyList<FunctionDescriptor>> _functions = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<ReadyWorker> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The functions of the first worker that started; the same build always indexes the same ones.</summary>
    public Task<IReadOnlyList<FunctionDescriptor>> Functions => _functions.Task;

    public bool IsReady => Volatile.Read(ref _ready).Task.IsCompletedSuccessfully;

    /// <summary>Waits for a worker ready to invoke functions (one is being started again after a crash).</summary>
    public async Task<ReadyWorker> WaitReadyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var ready = await Volatile.Read(ref _ready).Task.WaitAsync(cancellationToken);
            if (!ready.Gone.IsCompleted)
            {
                return ready;
            }
            await Task.Delay(20, cancellationToken); // it died a moment ago: the supervisor is replacing it
        }
    }

    protected override async Task ExecuteAsync(CancellationToken hostStopping)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(hostStopping);
        _ = shutdown.WorkerMayStopAsync().ContinueWith(_ => { try { stop.Cancel(); } catch (ObjectDisposedException) { } }, TaskScheduler.Default);
        var stoppingToken = stop.Token;
        foreach (var orphan in Orphans.Reap())
        {
            _logger.LogWarning("Killed worker process {Pid}, left running by a host that was killed.", orphan);
        }
        var grpcUri = await ports.Grpc.WaitAsync(stoppingToken);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var workerId = Guid.NewGuid().ToString();
            var channel = channels.Create(workerId);
            WorkerProcess? process = null;
            var uptime = Stopwatch.StartNew();
            try
            {
                process = WorkerProcess.Start(host, grpcUri, workerId, Guid.NewGuid().ToString(), _workerOutput);
                _logger.LogInformation("Worker process started (pid {Pid}, worker id {WorkerId}).", process.Id, workerId);
                var ready = await StartUpAsync(channel, process, stoppingToken);
                _logger.LogInformation("Worker process {Pid} initialized; {Count} functions loaded.", process.Id, ready.Functions.Count);
                _functions.TrySetResult(ready.Functions);
                Volatile.Read(ref _ready).TrySetResult(ready);

                var exited = await Task.WhenAny(process.Exited, channel.Closed, Task.Delay(Timeout.Infinite, stoppingToken));
                if (!stoppingToken.IsCancellationRequested)
                {
                    _logger.LogError("Worker process {Pid} {What}.", process.Id,
                        process.Exited.IsCompleted ? $"exited with code {process.Exited.Result}" : "closed its stream");
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                _logger.LogError("Worker start-up failed: {Message}", exception.Message);
            }
            catch (OperationCanceledException)
            {
                // The host stops.
            }
            finally
            {
                var ready = Volatile.Read(ref _ready);
                if (ready.Task.IsCompleted)
                {
                    Volatile.Write(ref _ready, new TaskCompletionSource<ReadyWorker>(TaskCreationOptions.RunContinuationsAsynchronously));
                }
                if (process is not null && stoppingToken.IsCancellationRequested)
                {
                    await TerminateAsync(channel, process);
                }
                channel.Close();
                channels.Remove(channel);
                process?.Dispose();
            }

            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            failures = uptime.Elapsed >= HealthyUptime ? 1 : failures + 1;
            var delay = failures <= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(MaxBackOff.TotalSeconds, Math.Pow(2, failures - 2)));
            _logger.LogWarning("Starting a new worker process{Delay}.", delay == TimeSpan.Zero ? "" : $" in {delay.TotalSeconds:0} s (it failed {failures} times in a row)");
            try
            {
                await Task.Delay(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        _functions.TrySetCanceled(stoppingToken);
    }

    private async Task<ReadyWorker> StartUpAsync(WorkerChannel channel, WorkerProcess process, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(StartupTimeout);
        var token = timeout.Token;

        var first = await Task.WhenAny(channel.Connected, process.Exited).WaitAsync(token);
        if (first == process.Exited)
        {
            throw new WorkerUnavailableException($"the worker process exited with code {process.Exited.Result} before it opened its stream");
        }

        var init = await channel.RequestAsync(new StreamingMessage
        {
            RequestId = Guid.NewGuid().ToString(),
            WorkerInitRequest = new WorkerInitRequest
            {
                HostVersion = HostVersion,
                WorkerDirectory = host.ScriptRoot,
                FunctionAppDirectory = host.ScriptRoot,
                Capabilities = { ["MultiStream"] = bool.TrueString },
            },
        }, "init", token);
        EnsureSuccess(init.WorkerInitResponse.Result, "WorkerInitRequest");
        Uri? httpUri = init.WorkerInitResponse.Capabilities.TryGetValue("HttpUri", out var http) && Uri.TryCreate(http, UriKind.Absolute, out var parsed)
            ? parsed
            : null;

        var metadata = await channel.RequestAsync(new StreamingMessage
        {
            RequestId = Guid.NewGuid().ToString(),
            FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = host.ScriptRoot },
        }, "metadata", token);
        var response = metadata.FunctionMetadataResponse;
        EnsureSuccess(response.Result, "FunctionsMetadataRequest");
        if (response.UseDefaultMetadataIndexing)
        {
            throw new InvalidOperationException("the worker asks for host indexing (workerIndexing off), which this host does not do");
        }

        // Disabled functions are loaded too, last, as the Azure host does: the admin API can still invoke them
        // (GrpcWorkerChannel.SendFunctionLoadRequests). Only their listeners and routes are left out.
        var functions = response.FunctionMetadataResults
            .OrderBy(metadata => host.Settings.IsFunctionDisabled(metadata.Name))
            .Select(metadata =>
            {
                metadata.Directory = host.ScriptRoot;
                return FunctionDescriptor.From(metadata);
            })
            .ToArray();
        var loads = functions.Select(function => channel.RequestAsync(new StreamingMessage
        {
            RequestId = Guid.NewGuid().ToString(),
            FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.Id, Metadata = function.Metadata },
        }, "load:" + function.Id, token));
        foreach (var loaded in await Task.WhenAll(loads))
        {
            EnsureSuccess(loaded.FunctionLoadResponse.Result, $"FunctionLoadRequest ({loaded.FunctionLoadResponse.FunctionId})");
        }
        if (httpUri is null && functions.Any(f => f.TriggerType.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase)))
        {
            _logger.LogWarning("The worker has HTTP functions but no HttpUri capability: this host only proxies to the ASP.NET Core integration (ConfigureFunctionsWebApplication); HTTP requests will fail.");
        }
        return new ReadyWorker(channel, process.Id, httpUri, functions, Task.WhenAny(process.Exited, channel.Closed));
    }

    private async Task TerminateAsync(WorkerChannel channel, WorkerProcess process)
    {
        if (process.Exited.IsCompleted)
        {
            return;
        }
        channel.Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(TerminateGracePeriod) } });
        try
        {
            await process.Exited.WaitAsync(TerminateGracePeriod);
            _logger.LogInformation("Worker process {Pid} stopped.", process.Id);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Worker process {Pid} did not stop within {Seconds} s of WorkerTerminate; killing it.", process.Id, TerminateGracePeriod.TotalSeconds);
            process.Kill();
        }
    }

    private static void EnsureSuccess(StatusResult? result, string request)
    {
        if (result is null || result.Status != StatusResult.Types.Status.Success)
        {
            throw new InvalidOperationException($"the worker answered {request} with {result?.Status.ToString() ?? "no result"}: {result?.Exception?.Message}".TrimEnd(' ', ':'));
        }
    }
}
