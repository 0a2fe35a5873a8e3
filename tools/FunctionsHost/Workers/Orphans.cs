using System.Diagnostics;

namespace FunctionsHost.Workers;

/// <summary>
/// A host killed with SIGKILL cannot stop its worker, and the .NET worker keeps running when its stream breaks.
/// So each host notes its workers in the temp folder (host pid, worker id, worker pid) and every host that starts
/// kills the workers of hosts that no longer run. The worker id on the command line makes sure a reused pid is
/// never mistaken for a worker.
/// </summary>
internal static class Orphans
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "functions-host-workers");

    public static string? Record(int workerPid, string workerId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            Directory.CreateDirectory(Folder);
            var file = Path.Combine(Folder, $"{Environment.ProcessId}_{workerId}");
            File.WriteAllText(file, workerPid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return file;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static void Forget(string? file)
    {
        if (file is not null)
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Kills the workers left by hosts that are gone; returns their pids.</summary>
    public static IReadOnlyList<int> Reap()
    {
        var reaped = new List<int>();
        if (!OperatingSystem.IsLinux() || !Directory.Exists(Folder))
        {
            return reaped;
        }
        foreach (var file in Directory.EnumerateFiles(Folder))
        {
            var parts = Path.GetFileName(file).Split('_', 2);
            if (parts.Length != 2 || !int.TryParse(parts[0], out var hostPid))
            {
                continue;
            }
            if (CommandLine(hostPid).Contains("FunctionsHost", StringComparison.Ordinal))
            {
                continue; // its host still runs
            }
            if (int.TryParse(SafeRead(file), out var workerPid) && CommandLine(workerPid).Contains(parts[1], StringComparison.Ordinal))
            {
                try
                {
                    using var orphan = Process.GetProcessById(workerPid);
                    orphan.Kill(entireProcessTree: true);
                    reaped.Add(workerPid);
                }
                catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                }
            }
            Forget(file);
        }
        return reaped;
    }

    private static string CommandLine(int pid) => SafeRead($"/proc/{pid}/cmdline").Replace('\0', ' ');

    private static string SafeRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
