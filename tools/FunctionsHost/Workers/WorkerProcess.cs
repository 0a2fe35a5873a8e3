using System.Collections.Concurrent;
using System.Diagnostics;
using FunctionsHost.Configuration;

namespace FunctionsHost.Workers;

/// <summary>
/// A worker process launched the way the Azure host launches one (worker.config.json, the host's arguments and
/// environment). Disposing it kills it with its children; so does the host's exit, whatever the path.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    public const int GrpcMaxMessageLength = int.MaxValue;

    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _pidFile;

    static WorkerProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var (_, process) in Live)
            {
                TryKill(process);
            }
        };
    }

    private WorkerProcess(Process process)
    {
        _process = process;
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            Live.TryRemove(process.Id, out _);
            Orphans.Forget(_pidFile);
            _exited.TrySetResult(SafeExitCode(process));
        };
    }

    public int Id => _process.Id;

    /// <summary>Completes with the exit code when the process has exited.</summary>
    public Task<int> Exited => _exited.Task;

    public static WorkerProcess Start(ScriptHost host, Uri grpcUri, string workerId, string requestId, ILogger logger)
    {
        var config = host.WorkerConfig;
        var start = new ProcessStartInfo
        {
            FileName = ResolveExecutable(config.ExecutablePath, host.ScriptRoot),
            WorkingDirectory = host.ScriptRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in config.Arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (config.WorkerPath.Length > 0)
        {
            start.ArgumentList.Add(Path.Combine(host.ScriptRoot, config.WorkerPath));
        }
        foreach (var argument in config.WorkerArguments)
        {
            start.ArgumentList.Add(argument);
        }
        var hostArguments = new[]
        {
            ("--host", grpcUri.Host), ("--port", grpcUri.Port.ToString()), ("--workerId", workerId), ("--requestId", requestId),
            ("--grpcMaxMessageLength", GrpcMaxMessageLength.ToString()),
            ("--functions-uri", grpcUri.ToString()), ("--functions-worker-id", workerId), ("--functions-request-id", requestId),
            ("--functions-grpc-max-message-length", GrpcMaxMessageLength.ToString()),
        };
        foreach (var (name, value) in hostArguments)
        {
            start.ArgumentList.Add(name);
            start.ArgumentList.Add(value);
        }

        // The process inherits the host's environment; local.settings.json fills in what it lacks (func start).
        foreach (var (name, value) in host.Settings.LocalValues)
        {
            if (!start.Environment.ContainsKey(name))
            {
                start.Environment[name] = value;
            }
        }
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["AzureWebJobsScriptRoot"] = host.ScriptRoot;
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = host.ScriptRoot;
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = host.ScriptRoot;
        if (!start.Environment.ContainsKey("AZURE_FUNCTIONS_ENVIRONMENT"))
        {
            start.Environment["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
        }

        var process = new Process { StartInfo = start };
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, line) => { if (line.Data is { Length: > 0 }) logger.LogInformation("{Line}", line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is { Length: > 0 }) logger.LogError("{Line}", line.Data); };
        process.Start();
        Live[process.Id] = process;
        worker._pidFile = Orphans.Record(process.Id, workerId);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Kills the process and its children if it still runs.</summary>
    public void Kill() => TryKill(_process);

    public void Dispose()
    {
        Kill();
        Live.TryRemove(new KeyValuePair<int, Process>(SafeId(_process), _process));
        Orphans.Forget(_pidFile);
        _process.Dispose();
    }

    private static string ResolveExecutable(string executable, string scriptRoot)
    {
        executable = executable.Replace("{WorkerRoot}", scriptRoot + Path.DirectorySeparatorChar, StringComparison.OrdinalIgnoreCase);
        if (executable == "dotnet"
            && Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath; // the dotnet that runs this host (set by the SDK under dotnet run/test)
        }
        return executable.Contains(Path.DirectorySeparatorChar) && !Path.IsPathRooted(executable)
            ? Path.Combine(scriptRoot, executable)
            : executable;
    }

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private static int SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    private static int SafeId(Process process)
    {
        try
        {
            return process.Id;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }
}
