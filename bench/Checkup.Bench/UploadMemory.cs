using System.Diagnostics;

namespace Checkup.Bench;

/// <summary>
/// What uploads cost the worker in memory: its peak resident memory during a burst of concurrent uploads over its idle
/// resident memory (the row's figure), and its managed heap, read inside the worker by the GC probe (bench/GcProbe): the
/// peak during one upload and during the burst over a collected heap just before, the bytes allocated per upload, and
/// what each burst leaves after a full GC (a leak would grow it with every burst). The Functions host's
/// own resident memory during the burst is read beside it, as it forwards every body.
/// </summary>
public static class UploadMemory
{
    public sealed record Figures(
        long Idle, long Peak, double Seconds, long IdleAgain, long PeakAgain,
        long HostIdle, long HostPeak, long HostBurstHeapGrowth,
        long OneUploadHeapGrowth, long BurstHeapGrowth, long AllocatedPerUpload, long HeapGrowthFirstBurst, long HeapGrowthSecondBurst,
        long CommittedGrowthAfter);

    /// <summary>A fresh worker, one upload of each size to warm it, then VmHWM (reset to VmRSS just before) over VmRSS.</summary>
    public static async Task<Figures> PeakAsync(Dictionary<string, string?> settings, int burst, int mib)
    {
        var image = Bench.Png(mib * 1024 * 1024);
        await using var system = await BenchSystem.StartAsync("upload-memory", settings, probeHeaps: true);
        using var http = system.Client("bench-upload-memory");
        var heap = system.WorkerHeap;
        await Upload.PostAsync(http, image);
        await Upload.RunConcurrentlyAsync(2, 2, _ => Upload.PostAsync(http, image));

        // One upload alone: the heap's highest point while it runs, over the heap a full GC left just before it.
        var (beforeOne, _) = await heap.CollectAsync();
        await heap.WatchAsync();
        await Upload.PostAsync(http, image);
        var oneUploadHeapGrowth = await heap.PeakAsync() - beforeOne;

        var (heapBefore, committedBefore) = await heap.CollectAsync();
        var (hostHeapBefore, _) = await system.HostHeap.CollectAsync();
        await Task.Delay(TimeSpan.FromSeconds(2)); // settle: timers, background JIT
        var idle = system.Memory().Rss;
        var hostIdle = system.HostMemory().Rss;
        var smaps = Environment.GetEnvironmentVariable("CHECKUP_BENCH_SMAPS") == "1";
        if (smaps) File.Copy($"/proc/{system.Pid}/smaps", Path.Combine(Bench.OutputDirectory, "smaps-idle.txt"), true);
        system.ResetPeak();
        system.ResetHostPeak();
        var allocatedBefore = await heap.AllocatedAsync();
        await heap.WatchAsync();
        await system.HostHeap.WatchAsync();
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
        var hostPeak = system.HostMemory().Peak;
        var burstHeapGrowth = await heap.PeakAsync() - heapBefore;
        var hostBurstHeapGrowth = await system.HostHeap.PeakAsync() - hostHeapBefore;
        var allocatedPerUpload = (await heap.AllocatedAsync() - allocatedBefore) / burst;

        // The same burst again: what a worker that has seen such a burst (pools and threads grown) still adds. A heap
        // that grows again by as much would be keeping something per upload; pools sized for the burst grow once.
        var (heapBetween, _) = await heap.CollectAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        var idleAgain = system.Memory().Rss;
        system.ResetPeak();
        await Upload.RunConcurrentlyAsync(burst, burst, _ => Upload.PostAsync(http, image));
        var peakAgain = system.Memory().Peak;
        var (heapAfter, committedAfter) = await heap.CollectAsync();
        return new Figures(idle, peak, seconds, idleAgain, peakAgain, hostIdle, hostPeak, hostBurstHeapGrowth,
            oneUploadHeapGrowth, burstHeapGrowth, allocatedPerUpload, heapBetween - heapBefore, heapAfter - heapBetween, committedAfter - committedBefore);
    }
}
