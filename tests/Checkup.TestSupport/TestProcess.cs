using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Checkup.Tests.Infrastructure;

/// <summary>
/// A child process for a test: its output kept line by line (and echoed on failure), SIGTERM to stop it, and a
/// disposal that kills it with all its children whatever happened. The Functions host's tests and the app's tests start
/// their hosts with it.
/// </summary>
public sealed class TestProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _newLine = new(0);

    private TestProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => string.Join(Environment.NewLine, _lines);

    public static TestProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        var process = new Process { StartInfo = start };
        var started = new TestProcess(process);
        process.OutputDataReceived += (_, e) => started.Add(e.Data);
        process.ErrorDataReceived += (_, e) => started.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Waits for an output line that matches; fails with the output so far when it does not come.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, TimeSpan timeout, int skip = 0)
    {
        using var limit = new CancellationTokenSource(timeout);
        while (true)
        {
            var matches = _lines.Select(line => pattern.Match(line)).Where(m => m.Success).Skip(skip).ToList();
            if (matches.Count > 0)
            {
                return matches[0];
            }
            if (_process.HasExited)
            {
                await Task.Delay(100); // let the last lines arrive
                if (!_lines.Any(line => pattern.IsMatch(line)))
                {
                    throw new InvalidOperationException($"The process exited ({_process.ExitCode}) before printing /{pattern}/:{Environment.NewLine}{Output}");
                }
                continue;
            }
            try
            {
                await _newLine.WaitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No line /{pattern}/ within {timeout}:{Environment.NewLine}{Output}");
            }
        }
    }

    /// <summary>SIGTERM, as a service manager or Ctrl+C would stop it; then waits for the exit.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15);
        }
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    public static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited && File.Exists($"/proc/{processId}/status")
                && !File.ReadAllText($"/proc/{processId}/status").Contains("State:\tZ", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
            _newLine.Release();
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
