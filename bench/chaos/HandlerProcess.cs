using System.Diagnostics;

namespace Checkup.Chaos;

/// <summary>
/// The built handler (Checkup.Functions, Release) as a separate process, standalone: it serves the API and runs the
/// queue consumer and the cleanup timer itself. Like the Functions host with a crashed worker, a process that dies
/// is started again at once, whether the run killed it (SIGKILL) or it exited on its own.
/// </summary>
public sealed class HandlerProcess : IAsyncDisposable
{
    private readonly string _dll;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly ProcessLog _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Process? _process;
    private Task? _supervisor;
    private bool _killing;

    public HandlerProcess(string dll, int port, IReadOnlyDictionary<string, string> settings, string stateDir)
    {
        _dll = dll;
        Port = port;
        _settings = settings;
        _log = new ProcessLog(Path.Combine(stateDir, "handler.log"));
    }

    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");
    public int Kills { get; private set; }
    public int Starts { get; private set; }
    public int UnplannedExits { get; private set; }
    public string LogFile => _log.Path;

    public async Task StartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await LaunchAsync();
        }
        finally
        {
            _gate.Release();
        }

        _supervisor = SuperviseAsync(_stopping.Token);
    }

    /// <summary>SIGKILL, whatever it is doing, then a fresh start.</summary>
    public async Task KillAndRestartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _killing = true;
            if (_process is { HasExited: false } process)
            {
                process.Kill(); // SIGKILL on Unix: no shutdown code runs
                await process.WaitForExitAsync();
                _log.Write($"--- {DateTime.UtcNow:HH:mm:ss.fff} process {process.Id} SIGKILLed by the fault run");
                Kills++;
            }

            _killing = false;
            await LaunchAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(_dll)! };
        start.ArgumentList.Add(_dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        foreach (var name in start.Environment.Keys.ToList())
        {
            // Nothing of the caller's own stack (./checkup test exports its database and storage) leaks in.
            if (name.Contains("__", StringComparison.Ordinal) || name is "AzureWebJobsStorage" or "CLOUDINARY_URL" or "FUNCTIONS_CUSTOMHANDLER_PORT")
            {
                start.Environment.Remove(name);
            }
        }

        foreach (var (name, value) in _settings)
        {
            start.Environment[name] = value;
        }

        _process?.Dispose();
        _process = _log.Start(start);
        Starts++;
        await WaitUntilReadyAsync(_process);
    }

    /// <summary>Ready when GET / answers anything, as the Functions host decides.</summary>
    private async Task WaitUntilReadyAsync(Process process)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync("/");
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (process.HasExited)
            {
                return; // the supervisor starts it again
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(90))
            {
                throw new TimeoutException($"The handler did not answer GET / within 90 s (see {_log.Path})");
            }

            await Task.Delay(50);
        }
    }

    private async Task SuperviseAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(200, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await _gate.WaitAsync(CancellationToken.None);
            try
            {
                if (!ct.IsCancellationRequested && !_killing && _process is { HasExited: true } exited)
                {
                    _log.Write($"--- {DateTime.UtcNow:HH:mm:ss.fff} process {exited.Id} exited by itself with {exited.ExitCode}; starting it again");
                    UnplannedExits++;
                    await Task.Delay(500, CancellationToken.None); // the host waits a little before it restarts a worker
                    await LaunchAsync();
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_supervisor is not null)
        {
            await _supervisor;
        }

        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
    }
}
