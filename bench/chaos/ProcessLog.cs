using System.Diagnostics;

namespace Checkup.Chaos;

/// <summary>One log file for every process a component starts (restarts append to it), one line at a time.</summary>
internal sealed class ProcessLog(string path)
{
    private readonly StreamWriter _writer = new(path, append: true) { AutoFlush = true };

    public string Path => path;

    /// <param name="onLine">sees each line of the process's output (stdout and stderr) as it is written.</param>
    public Process Start(ProcessStartInfo start, Action<string>? onLine = null)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Received(e.Data);
        process.ErrorDataReceived += (_, e) => Received(e.Data);
        process.Start();
        Write($"--- {DateTime.UtcNow:HH:mm:ss.fff} process {process.Id} started: {start.FileName} {string.Join(' ', start.ArgumentList)}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;

        void Received(string? line)
        {
            Write(line);
            if (line is not null)
            {
                onLine?.Invoke(line);
            }
        }
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
