namespace FunctionsHost.Workers;

/// <summary>
/// Orders the stop: ASP.NET Core stops Kestrel before the hosted services, and Kestrel waits for open requests,
/// the worker's EventStream among them. So the stop starts at ApplicationStopping: the trigger listeners stop
/// first, then the worker is terminated (which ends its stream), and Kestrel is left with nothing to wait for.
/// </summary>
internal sealed class Shutdown(IHostApplicationLifetime lifetime)
{
    private static readonly TimeSpan ListenerDrain = TimeSpan.FromSeconds(10);
    private readonly TaskCompletionSource _listenersStopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Cancelled when the host starts to stop: listeners take no new work.</summary>
    public CancellationToken Stopping => lifetime.ApplicationStopping;

    public void ListenersStopped() => _listenersStopped.TrySetResult();

    /// <summary>Completes once the host stops and the listeners are done (or had their time).</summary>
    public async Task WorkerMayStopAsync()
    {
        await Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping).ContinueWith(_ => { }, TaskScheduler.Default);
        await Task.WhenAny(_listenersStopped.Task, Task.Delay(ListenerDrain));
    }
}
