using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Checkup.Tests.Package;

/// <summary>
/// The unpacked handler started the way the Functions host starts it: host.json's executable and arguments with
/// <c>%FUNCTIONS_CUSTOMHANDLER_PORT%</c> expanded, that variable set, app settings as environment variables, and
/// readiness when <c>GET /</c> answers anything.
/// </summary>
public sealed class HandlerProcess : IAsyncDisposable
{
    /// <summary>The host polls this often (functions-host-contract.md).</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>A bound so a handler that never answers fails the test instead of hanging it; the host allows about 30 s.</summary>
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HandlerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public int Port { get; }
    public HttpClient Client { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<HandlerProcess> StartAsync(string packageRoot, int port, IDictionary<string, string?> settings)
    {
        var description = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(packageRoot, "host.json")))
            .RootElement.GetProperty("customHandler").GetProperty("description");
        var workingDirectory = description.TryGetProperty("workingDirectory", out var wd) && wd.GetString() is { Length: > 0 } dir
            ? Path.Combine(packageRoot, dir)
            : packageRoot;
        var start = new ProcessStartInfo(Path.Combine(packageRoot, description.GetProperty("defaultExecutablePath").GetString()!))
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in description.GetProperty("arguments").EnumerateArray())
        {
            start.ArgumentList.Add(argument.GetString()!.Replace("%FUNCTIONS_CUSTOMHANDLER_PORT%", port.ToString(), StringComparison.Ordinal));
        }

        start.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString();
        foreach (var (name, value) in settings)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var handler = new HandlerProcess(new Process { StartInfo = start }, port);
        handler._process.OutputDataReceived += (_, e) => handler.Append(e.Data);
        handler._process.ErrorDataReceived += (_, e) => handler.Append(e.Data);
        handler._process.Start();
        handler._process.BeginOutputReadLine();
        handler._process.BeginErrorReadLine();
        await handler.WaitUntilReadyAsync();
        return handler;
    }

    private async Task WaitUntilReadyAsync()
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await Client.GetAsync("/");
                return; // any HTTP answer, even 404, means ready
            }
            catch (HttpRequestException)
            {
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The handler exited with {_process.ExitCode} before answering GET /:\n{Output}");
            }

            if (watch.Elapsed > StartLimit)
            {
                throw new TimeoutException($"The handler did not answer GET / within {StartLimit.TotalSeconds} s:\n{Output}");
            }

            await Task.Delay(PollInterval);
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
