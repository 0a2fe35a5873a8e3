using System.Diagnostics;
using System.Globalization;
using System.Text;
using Checkup.Tests.Infrastructure;

namespace Checkup.Chaos;

/// <summary>
/// Checkup as a platform runs it: tools/FunctionsHost (Release) on the worker's build output, every setting an
/// environment variable. The host starts the worker and starts a new one when it dies. The run SIGKILLs the worker
/// (its pid from the host's "Worker process started (pid N" line) and, as a platform replaces an instance that
/// crashed, SIGKILLs the whole host and starts a new one on the same port; the worker the killed host leaves behind
/// is killed by the next host as it starts (tools/FunctionsHost README). A host that exits by itself is started
/// again too. Every host's output, the worker's logs included, goes to host.log with the kills marked.
/// </summary>
public sealed class FunctionsHostProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(90);
    private readonly string _hostDll;
    private readonly string _scriptRoot;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly ProcessLog _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _state = new();
    private readonly HttpClient _admin;
    private Process? _process;
    private Task? _supervisor;
    private bool _killing;
    private int _generation;
    private int _readyWorker; // pid of the current host's initialized worker, 0 while there is none
    private int _cleanupsExecuted;
    private string _cleanupSummary = "";
    private (bool Succeeded, string Summary) _lastCleanup = (false, "none yet");

    public FunctionsHostProcess(string hostDll, string scriptRoot, int port, IReadOnlyDictionary<string, string> settings, string stateDir)
    {
        _hostDll = hostDll;
        _scriptRoot = scriptRoot;
        Port = port;
        _settings = settings;
        _log = new ProcessLog(Path.Combine(stateDir, "host.log"));
        _admin = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(40) };
    }

    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");
    public string LogFile => _log.Path;
    public int WorkerKills { get; private set; }
    public int HostKills { get; private set; }
    public int HostStarts { get; private set; }
    public int UnplannedHostExits { get; private set; }
    public int WorkerStarts { get; private set; }

    /// <summary>Workers that exited or closed their stream, as their host saw it (the ones the run killed included).</summary>
    public int WorkerExits { get; private set; }

    /// <summary>Workers left running by a killed host that the next host killed as it started.</summary>
    public int OrphansReaped { get; private set; }

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

    /// <summary>SIGKILLs the worker the host runs now; returns once the host has a new worker initialized.</summary>
    public async Task KillWorkerAsync()
    {
        await _gate.WaitAsync();
        try
        {
            var pid = await WaitForWorkerAsync(notPid: 0);
            try
            {
                using var worker = Process.GetProcessById(pid);
                worker.Kill(); // SIGKILL on Unix: no shutdown code runs
            }
            catch (ArgumentException)
            {
                // it died on its own a moment ago; the host replaces it all the same
            }

            _log.Write($"--- {DateTime.UtcNow:HH:mm:ss.fff} worker process {pid} SIGKILLed by the fault run");
            WorkerKills++;
            await WaitForWorkerAsync(notPid: pid);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>SIGKILLs the host itself (its worker is left behind, as after any crash), then starts a new host.</summary>
    public async Task KillHostAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _killing = true;
            if (_process is { HasExited: false } process)
            {
                process.Kill(); // SIGKILL, the host alone: it gets no chance to stop its worker
                await process.WaitForExitAsync();
                _log.Write($"--- {DateTime.UtcNow:HH:mm:ss.fff} host process {process.Id} SIGKILLed by the fault run");
                HostKills++;
            }

            _killing = false;
            await LaunchAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs CleanupImages now (<c>POST /admin/functions/CleanupImages</c>) and waits for its <c>Executed</c> line: whether
    /// it succeeded, and the summary it logged ("staged copies deleted 0, ...").
    /// </summary>
    public async Task<(bool Succeeded, string Summary)> RunCleanupAsync(TimeSpan within)
    {
        int before;
        lock (_state)
        {
            before = _cleanupsExecuted;
        }

        if (await InvokeCleanupAsync() is { } refused)
        {
            return (false, refused);
        }

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            lock (_state)
            {
                if (_cleanupsExecuted > before)
                {
                    return _lastCleanup;
                }
            }

            await Task.Delay(50);
        }

        return (false, $"no Executed 'Functions.CleanupImages' line within {within.TotalSeconds:0} s (see {_log.Path})");
    }

    /// <summary>Asks the host to run CleanupImages now; null when it accepted (202), else what went wrong.</summary>
    public async Task<string?> InvokeCleanupAsync()
    {
        try
        {
            using var response = await _admin.PostAsync("/admin/functions/CleanupImages", new StringContent("""{"input":""}""", Encoding.UTF8, "application/json"));
            return response.StatusCode == System.Net.HttpStatusCode.Accepted ? null : $"the admin API answered {(int)response.StatusCode}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return e.Message;
        }
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _scriptRoot };
        start.ArgumentList.Add(_hostDll);
        start.ArgumentList.Add("--script-root");
        start.ArgumentList.Add(_scriptRoot);
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(Port.ToString(CultureInfo.InvariantCulture));
        foreach (var name in start.Environment.Keys.ToList())
        {
            // Nothing of the caller's own stack (./checkup test exports its database and storage) leaks in.
            if (name.Contains("__", StringComparison.Ordinal) || name.StartsWith("AzureWebJobs", StringComparison.OrdinalIgnoreCase) ||
                name.StartsWith("FUNCTIONS_", StringComparison.Ordinal) || name is "CLOUDINARY_URL")
            {
                start.Environment.Remove(name);
            }
        }

        foreach (var (name, value) in _settings)
        {
            start.Environment[name] = value;
        }

        int generation;
        lock (_state)
        {
            generation = ++_generation;
            _readyWorker = 0;
        }

        _process?.Dispose();
        _process = _log.Start(start, line => Observe(generation, line));
        HostStarts++;
        await WaitForWorkerAsync(notPid: 0);
    }

    /// <summary>Waits until the current host has an initialized worker other than <paramref name="notPid"/>; its pid.</summary>
    private async Task<int> WaitForWorkerAsync(int notPid)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ReadyWithin)
        {
            lock (_state)
            {
                if (_readyWorker != 0 && _readyWorker != notPid)
                {
                    return _readyWorker;
                }
            }

            if (_process is { HasExited: true })
            {
                return 0; // the supervisor starts a new host
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"The Functions host had no worker ready within {ReadyWithin.TotalSeconds:0} s (see {_log.Path})");
    }

    /// <summary>Follows the current host's output: its worker's life, the orphans it reaps, and each CleanupImages run.</summary>
    private void Observe(int generation, string line)
    {
        lock (_state)
        {
            if (line.Contains("Image cleanup: ", StringComparison.Ordinal))
            {
                _cleanupSummary = line[(line.IndexOf("Image cleanup: ", StringComparison.Ordinal) + "Image cleanup: ".Length)..];
            }
            else if (line.Contains("Executed 'Functions.CleanupImages' (", StringComparison.Ordinal))
            {
                _lastCleanup = line.Contains("(Succeeded", StringComparison.Ordinal) ? (true, _cleanupSummary) : (false, line);
                _cleanupSummary = "";
                _cleanupsExecuted++;
            }
            else if (HostLines.WorkerStarted().IsMatch(line))
            {
                WorkerStarts++;
            }
            else if (HostLines.WorkerInitialized().Match(line) is { Success: true } initialized && generation == _generation)
            {
                _readyWorker = int.Parse(initialized.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            else if (HostLines.WorkerGone().Match(line) is { Success: true } gone)
            {
                WorkerExits++;
                if (generation == _generation && _readyWorker == int.Parse(gone.Groups[1].Value, CultureInfo.InvariantCulture))
                {
                    _readyWorker = 0;
                }
            }
            else if (line.Contains("left running by a host that was killed", StringComparison.Ordinal))
            {
                OrphansReaped++;
            }
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
                    _log.Write($"--- {DateTime.UtcNow:HH:mm:ss.fff} host process {exited.Id} exited by itself with {exited.ExitCode}; starting a new one");
                    UnplannedHostExits++;
                    await Task.Delay(500, CancellationToken.None);
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
            // SIGTERM: the host stops its listeners and terminates its worker (then kills it after 5 s).
            Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();
            using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(stopped.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        _process?.Dispose();
        _admin.Dispose();
    }
}
