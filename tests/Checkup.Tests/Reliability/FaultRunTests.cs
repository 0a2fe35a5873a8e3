using Checkup.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Checkup.Tests.Reliability;

/// <summary>
/// The short fault run, exactly as a developer starts it (bench/chaos/run short): the Release worker under the local
/// Functions host as processes of their own, its own Azurite restarted mid-run, a SIGKILL of the worker and one of the
/// whole host, a Cloudinary stand-in failing 30 % of calls; then its checks. Its figures are kept in
/// .local/chaos/ci/summary.txt, which .ci/run prints.
/// </summary>
public sealed class FaultRunTests(ITestOutputHelper output)
{
    public static readonly string StateDir = Path.Combine(TestEnvironment.RepositoryRoot, ".local", "chaos", "ci");

    [Fact]
    public async Task The_short_fault_run_keeps_every_image_and_every_submit()
    {
        if (Directory.Exists(StateDir))
        {
            Directory.Delete(StateDir, recursive: true);
        }

        var run = await Scripts.RunAsync("bench/chaos/run", "short", "--state", StateDir);

        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, $"bench/chaos/run short exited with {run.ExitCode}:\n{run.Output}");
        Assert.Contains("result: PASS", run.Output, StringComparison.Ordinal);
    }
}
