using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using FunctionsHost.Configuration;
using FunctionsHost.Invocations;
using FunctionsHost.Workers;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;

namespace FunctionsHost.Timers;

/// <summary>
/// Runs one timerTrigger as the Azure host's timer listener: only while this host holds the timer's blob lease
/// (so one host of an app runs it), runOnStartup, and with the schedule monitor a run missed while no host ran
/// fires once at start with IsPastDue.
/// </summary>
internal sealed class TimerListener
{
    private static readonly TimeSpan LockPeriod = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan LockRenewal = TimeSpan.FromSeconds(5);

    private readonly FunctionDescriptor _function;
    private readonly ScriptHost _host;
    private readonly WorkerSupervisor _supervisor;
    private readonly Invoker _invoker;
    private readonly ILogger _logger;
    private readonly BlobContainerClient _container;
    private readonly ScheduleMonitor? _monitor;
    private readonly bool _runOnStartup;
    private readonly string _timerName;
    private ScheduleStatus? _status;
    private DateTime _lastRun = DateTime.Now;

    public TimerListener(FunctionDescriptor function, ScriptHost host, WorkerSupervisor supervisor, Invoker invoker, BlobContainerClient container, ILogger logger)
    {
        _function = function;
        _host = host;
        _supervisor = supervisor;
        _invoker = invoker;
        _logger = logger;
        _container = container;
        var expression = host.Settings.Resolve(function.String("schedule") ?? throw new InvalidOperationException($"Function '{function.Name}': timerTrigger without schedule."));
        Schedule = TimerSchedule.Parse(expression);
        _runOnStartup = function.Boolean("runOnStartup") ?? false;
        UseMonitor = function.Boolean("useMonitor") ?? Schedule.IsAtLeastOneMinute(DateTime.Now);
        _timerName = $"Host.Functions.{function.Name}";
        _monitor = UseMonitor ? new ScheduleMonitor(container, host.HostId) : null;
    }

    public TimerSchedule Schedule { get; }

    public bool UseMonitor { get; }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var lockBlob = _container.GetBlobClient($"locks/{_host.HostId}/{_timerName}.Listener");
        var lockBlobExists = false;
        var firstStart = true;
        var waitingLogged = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var lease = lockBlob.GetBlobLeaseClient();
            try
            {
                if (!lockBlobExists)
                {
                    await _container.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    try
                    {
                        await lockBlob.UploadAsync(BinaryData.FromString(""), overwrite: false, stoppingToken);
                    }
                    catch (RequestFailedException exception) when (exception.Status is 409 or 412)
                    {
                        // The lock blob exists (another host made it).
                    }
                    lockBlobExists = true;
                }
                await lease.AcquireAsync(LockPeriod, cancellationToken: stoppingToken);
            }
            catch (RequestFailedException exception) when (exception.Status == 409)
            {
                if (!waitingLogged)
                {
                    _logger.LogInformation("Another host runs timer '{Name}' (its lock is held); this host takes over if it stops.", _function.Name);
                    waitingLogged = true;
                }
                await Task.Delay(_host.ListenerLockRecoveryInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                continue;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                _logger.LogError("Taking the lock of timer '{Name}' failed: {Message}", _function.Name, exception.Message);
                await Task.Delay(_host.ListenerLockRecoveryInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                continue;
            }

            using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var renewal = RenewAsync(lease, held);
            try
            {
                await RunTimerAsync(firstStart, held.Token);
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Typically storage failing the schedule status: give the lock back and start over.
                _logger.LogError("Timer '{Name}' failed: {Message}", _function.Name, exception.Message);
            }
            finally
            {
                firstStart = false;
                await held.CancelAsync();
                await renewal;
                try
                {
                    await lease.ReleaseAsync(cancellationToken: CancellationToken.None);
                }
                catch (RequestFailedException)
                {
                    // Lost already: nothing to give back.
                }
            }
        }
    }

    private async Task RenewAsync(BlobLeaseClient lease, CancellationTokenSource held)
    {
        try
        {
            while (!held.IsCancellationRequested)
            {
                await Task.Delay(LockRenewal, held.Token);
                await lease.RenewAsync(cancellationToken: held.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (RequestFailedException exception)
        {
            _logger.LogWarning("Lost the lock of timer '{Name}' ({Message}); it stops here until the lock is taken again.", _function.Name, exception.Message);
            await held.CancelAsync();
        }
    }

    private async Task RunTimerAsync(bool firstStart, CancellationToken token)
    {
        var now = DateTime.Now;
        var pastDue = false;
        if (_monitor is not null)
        {
            _status = await _monitor.GetStatusAsync(_timerName, token);
            if (_status is null)
            {
                _status = new ScheduleStatus(default, Schedule.GetNextOccurrence(now), now);
                await _monitor.UpdateStatusAsync(_timerName, _status, token);
            }
            else if (_status.Next < now)
            {
                pastDue = true;
                _logger.LogInformation("Timer '{Name}' is past due: its next run was due at {Next:O}.", _function.Name, _status.Next);
                await InvokeAsync(now, isPastDue: true, token);
            }
        }
        if (!pastDue && _runOnStartup && firstStart)
        {
            await InvokeAsync(now, isPastDue: false, token);
        }

        while (!token.IsCancellationRequested)
        {
            var next = Schedule.GetNextOccurrence(Schedule.IsInterval ? _lastRun : DateTime.Now);
            var wait = next - DateTime.Now;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, token);
            }
            await InvokeAsync(next, isPastDue: false, token);
        }
    }

    /// <summary>
    /// One run now, for the admin API (POST /admin/functions/{name}), as the Azure host's TimerTriggerBinding binds
    /// a call that brings no TimerInfo: the stored schedule status (with useMonitor), IsPastDue false. It needs no
    /// lock and leaves the schedule status as it is: only the listener's own runs move it.
    /// </summary>
    public async Task<InvocationOutcome> InvokeOnDemandAsync(string reason, CancellationToken stoppingToken)
    {
        ScheduleStatus? status = null;
        if (_monitor is not null)
        {
            try
            {
                status = await _monitor.GetStatusAsync(_timerName, stoppingToken);
            }
            catch (RequestFailedException exception)
            {
                // As the Azure host's GetSafeStatusAsync: the run goes ahead without a status.
                _logger.LogWarning("Reading the schedule status of timer '{Name}' failed: {Message}", _function.Name, exception.Message);
            }
        }
        var worker = await _supervisor.WaitReadyAsync(stoppingToken);
        return await _invoker.InvokeAsync(worker, _function, Request(status, isPastDue: false), reason, CancellationToken.None);
    }

    private async Task InvokeAsync(DateTime occurrence, bool isPastDue, CancellationToken token)
    {
        var worker = await _supervisor.WaitReadyAsync(token);
        var request = Request(_status, isPastDue);
        _lastRun = DateTime.Now;
        await _invoker.InvokeAsync(worker, _function, request, $"Timer fired at {DateTime.Now:O}", CancellationToken.None);
        if (_monitor is not null)
        {
            var now = DateTime.Now;
            _status = new ScheduleStatus(occurrence, Schedule.GetNextOccurrence(now), now);
            await _monitor.UpdateStatusAsync(_timerName, _status, CancellationToken.None);
        }
    }

    /// <summary>The TimerInfo the worker binds, as the Azure host serializes it, and the TimerTrigger binding data (the time of the run).</summary>
    private InvocationRequest Request(ScheduleStatus? status, bool isPastDue)
    {
        var timerInfo = JsonSerializer.Serialize(new
        {
            Schedule = new { AdjustForDST = true },
            ScheduleStatus = status,
            IsPastDue = isPastDue,
        });
        var request = new InvocationRequest { InvocationId = Guid.NewGuid().ToString(), FunctionId = _function.Id };
        request.InputData.Add(new ParameterBinding { Name = _function.TriggerName, Data = new TypedData { Json = timerInfo } });
        request.TriggerMetadata["TimerTrigger"] = new TypedData { String = DateTime.Now.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return request;
    }
}
