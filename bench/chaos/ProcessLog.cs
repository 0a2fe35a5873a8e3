using System.Diagnostics;

namespace Checkup.Chaos;

/// <summary>One log file for every process a component starts (restarts append to it), one line at a time.</summary>
internal sealed class ProcessLog(string path)
{
    private readonly StreamWriter _writer = new(path, append: true) { AutoFlush = true };

    public string Path => path;

    public Process Start(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Start();
        Write($"--- {DateTime.UtcNow:HH:mm:ss.fff} process {process.Id} started: {start.FileName} {string.Join(' ', start.ArgumentList)}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_writer)
        {
            _writer.WriteLine(line);
        }
    }
}
