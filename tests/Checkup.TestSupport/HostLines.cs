using System.Text.RegularExpressions;

namespace Checkup.Tests.Infrastructure;

/// <summary>
/// The lines of tools/FunctionsHost's console that its launchers wait for: one reading of the host's output for the
/// tests, the package test and the fault run.
/// </summary>
public static partial class HostLines
{
    /// <summary>The public address (group 1), once Kestrel listens.</summary>
    [GeneratedRegex(@"Listening on (\S+)")]
    public static partial Regex Listening();

    /// <summary>The function list, printed once the first worker has loaded every function.</summary>
    [GeneratedRegex(@"^Functions:")]
    public static partial Regex Functions();

    /// <summary>A worker process launched (its pid in group 1).</summary>
    [GeneratedRegex(@"Worker process started \(pid (\d+)")]
    public static partial Regex WorkerStarted();

    /// <summary>A worker that finished its start-up (its pid in group 1).</summary>
    [GeneratedRegex(@"Worker process (\d+) initialized")]
    public static partial Regex WorkerInitialized();

    /// <summary>A worker that went away (its pid in group 1).</summary>
    [GeneratedRegex(@"Worker process (\d+) (exited with code|closed its stream)")]
    public static partial Regex WorkerGone();

    /// <summary>A start-up that failed, or a worker that went away.</summary>
    [GeneratedRegex(@"Worker start-up failed|Worker process \d+ (exited with code|closed its stream)")]
    public static partial Regex WorkerFailed();
}
