using FunctionsHost.Invocations;
using FunctionsHost.Workers;

namespace FunctionsHost.Admin;

/// <summary>Runs a function once with the input of an admin call, bound as its trigger binds it.</summary>
internal delegate Task<InvocationOutcome> OnDemandInvocation(string? input, string reason, CancellationToken stoppingToken);

/// <summary>
/// The functions the admin API can run now (every loaded function, disabled ones too, as the Azure host), and the
/// invocations it started: they run in the background, as the Azure host's FunctionsController hands them to a
/// task and answers 202 at once, and the host lets them finish before it stops the worker.
/// </summary>
internal sealed class OnDemandInvocations(Shutdown shutdown, ILogger<OnDemandInvocations> logger)
{
    /// <summary>The reason the Azure host logs for a call through its APIs (ExecutionReason.HostCall).</summary>
    public const string Reason = "This function was programmatically called via the host APIs.";

    private readonly TaskCompletionSource<IReadOnlyDictionary<string, OnDemandInvocation>> _functions = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _running = [];

    /// <summary>Called once the functions are indexed; names match without regard to case, as in the Azure host.</summary>
    public void Publish(IReadOnlyDictionary<string, OnDemandInvocation> functions) =>
        _functions.TrySetResult(new Dictionary<string, OnDemandInvocation>(functions, StringComparer.OrdinalIgnoreCase));

    /// <summary>The functions, once the host runs them; null if it does not within the timeout (or is stopping).</summary>
    public async Task<IReadOnlyDictionary<string, OnDemandInvocation>?> WaitForFunctionsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, shutdown.Stopping);
        limit.CancelAfter(timeout);
        try
        {
            return await _functions.Task.WaitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Starts one invocation in the background; false once the host is stopping.</summary>
    public bool TryStart(string name, OnDemandInvocation function, string? input)
    {
        lock (_lock)
        {
            if (shutdown.Stopping.IsCancellationRequested)
            {
                return false;
            }
            var run = Task.Run(() => RunAsync(name, function, input));
            _running.Add(run);
            _ = run.ContinueWith(done =>
            {
                lock (_lock)
                {
                    _running.Remove(done);
                }
            }, TaskScheduler.Default);
            return true;
        }
    }

    /// <summary>Completes when the invocations started so far have ended.</summary>
    public Task DrainAsync()
    {
        lock (_lock)
        {
            return Task.WhenAll(_running.ToArray());
        }
    }

    private async Task RunAsync(string name, OnDemandInvocation function, string? input)
    {
        try
        {
            // The outcome is logged as for a triggered invocation (Executing/Executed); nobody waits for it.
            await function(input, Reason, shutdown.Stopping);
        }
        catch (OperationCanceledException) when (shutdown.Stopping.IsCancellationRequested)
        {
            logger.LogWarning("The host stopped before '{Name}' could be invoked (no worker was ready).", name);
        }
        catch (Exception exception)
        {
            logger.LogError("Invoking '{Name}' for the admin API failed: {Message}", name, exception.Message);
        }
    }
}
