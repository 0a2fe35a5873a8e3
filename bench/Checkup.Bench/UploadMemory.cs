using System.Diagnostics;

namespace Checkup.Bench;

/// <summary>The handler's peak resident memory during a burst of concurrent uploads, over its idle resident memory.</summary>
public static class UploadMemory
{
    /// <summary>A fresh handler, one upload of each size to warm it, then VmHWM (reset to VmRSS just before) over VmRSS.</summary>
    public static async Task<(long Idle, long Peak, double Seconds, long IdleAgain, long PeakAgain)> PeakAsync(Dictionary<string, string?> settings, int burst, int mib)
    {
        var image = Bench.Png(mib * 1024 * 1024);
        await using var system = await BenchSystem.StartAsync("upload-memory", settings);
        using var http = system.Client("bench-upload-memory");
        await Upload.PostAsync(http, image);
        await Upload.RunConcurrentlyAsync(2, 2, _ => Upload.PostAsync(http, image));
        await Task.Delay(TimeSpan.FromSeconds(2)); // settle: timers, background JIT
        var idle = system.Memory().Rss;
        var smaps = Environment.GetEnvironmentVariable("CHECKUP_BENCH_SMAPS") == "1";
        if (smaps) File.Copy($"/proc/{system.Pid}/smaps", Path.Combine(Bench.OutputDirectory, "smaps-idle.txt"), true);
        system.ResetPeak();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            long max = 0;
            while (!stop.IsCancellationRequested)
            {
                var rss = system.Memory().Rss;
                if (smaps && rss > max)
                {
                    max = rss;
                    File.WriteAllText(Path.Combine(Bench.OutputDirectory, "smaps-peak.txt"), File.ReadAllText($"/proc/{system.Pid}/smaps"));
                }

                await Task.Delay(50);
            }
        });
        await Upload.RunConcurrentlyAsync(burst, burst, _ => Upload.PostAsync(http, image));
        await stop.CancelAsync();
        await sampler;
        var seconds = clock.Elapsed.TotalSeconds;
        var peak = system.Memory().Peak;

        // The same burst again: what a handler that has seen such a burst (pools and threads grown) still adds.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var idleAgain = system.Memory().Rss;
        system.ResetPeak();
        await Upload.RunConcurrentlyAsync(burst, burst, _ => Upload.PostAsync(http, image));
        var peakAgain = system.Memory().Peak;
        return (idle, peak, seconds, idleAgain, peakAgain);
    }
}
