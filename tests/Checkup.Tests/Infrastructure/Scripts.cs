using System.Diagnostics;
using System.Text;

namespace Checkup.Tests.Infrastructure;

public sealed record ScriptResult(int ExitCode, string Output, TimeSpan Took);

/// <summary>Runs the repository's own scripts (infra/bicep.sh, tools/publish.sh) as a developer or CI would.</summary>
public static class Scripts
{
    /// <summary>Far above what the scripts take (a first run downloads from NuGet); only there so a hang fails the test.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    public static async Task<ScriptResult> RunAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = TestEnvironment.RepositoryRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(TestEnvironment.RepositoryRoot, script));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within {Limit.TotalMinutes} minutes:\n{Text(output)}");
        }

        process.WaitForExit(); // drains the output events
        return new ScriptResult(process.ExitCode, Text(output), watch.Elapsed);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
