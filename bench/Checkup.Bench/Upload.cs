using System.Diagnostics;
using System.Net.Http.Headers;
using Azure.Storage.Blobs;

namespace Checkup.Bench;

/// <summary>
/// POST /api/images of a 5 MiB image, 8 at a time, against the Azure SDK uploading the same bytes straight to the same
/// Azurite, 8 at a time: after the same 15 s warm-up for each side, rounds alternate and each side's median counts
/// (a best round rewards whichever side a quiet moment of the shared machine happened to fall on). Then, on a fresh
/// worker, the peak resident memory during 32 concurrent 10 MiB uploads over its idle resident memory, and the worker's
/// managed heap during one upload and during the burst (<see cref="UploadMemory"/>). The queue trigger is off
/// (<c>AzureWebJobs.ProcessImage.Disabled</c>): this measures the upload through the host, not the push to Cloudinary that follows it.
/// </summary>
public static class Upload
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var mib = args.Int("mib", 5);
        var concurrency = args.Int("concurrency", 8);
        var count = args.Int("count", 40);
        var rounds = args.Int("rounds", 5);
        var warmUp = TimeSpan.FromSeconds(args.Int("warmup-seconds", 15));
        var burst = args.Int("burst", 32);
        var burstMib = args.Int("burst-mib", 10);
        var settings = Autosave.Settings(args);
        settings["AzureWebJobs.ProcessImage.Disabled"] = "true";

        var image = Bench.Png(mib * 1024 * 1024);
        List<double> apiRounds = [], sdkRounds = [];
        // CPU seconds per 100 MB, summed over the rounds: where the time goes on a machine whose cores are all busy.
        var api = new Cpu();
        var sdk = new Cpu();
        if (args.Text("throughput", "true") == "true")
        {
            await using var system = await BenchSystem.StartAsync("upload", settings);
            using var http = system.Client("bench-upload");
            var baseline = new BlobServiceClient(Bench.Storage).GetBlobContainerClient($"bench-sdk-{system.Suffix}");
            await baseline.CreateIfNotExistsAsync();
            try
            {
                // The same warm-up for both sides (JIT tiers, pools, connections, Azurite's own warm-up).
                await WarmUpAsync(warmUp, concurrency, _ => PostAsync(http, image));
                await WarmUpAsync(warmUp, concurrency, i => baseline.GetBlobClient($"warm-{i % concurrency}").UploadAsync(new BinaryData(image), overwrite: true));
                for (var round = 0; round < rounds; round++)
                {
                    apiRounds.Add(await api.MeasureAsync(system, () => MegabytesPerSecondAsync(count, concurrency, image.Length, _ => PostAsync(http, image))));
                    var r = round;
                    sdkRounds.Add(await sdk.MeasureAsync(null, () => MegabytesPerSecondAsync(count, concurrency, image.Length,
                        i => baseline.GetBlobClient($"r{r}-{i}").UploadAsync(new BinaryData(image), overwrite: true))));
                    Console.Error.WriteLine($"upload round {round + 1}: api {apiRounds[^1]:0.0} MB/s, sdk {sdkRounds[^1]:0.0} MB/s");
                }
            }
            finally
            {
                await baseline.DeleteIfExistsAsync();
            }
        }

        var megabytes = rounds * count * image.Length / 1e8;
        var (apiMedian, sdkMedian) = apiRounds.Count > 0 ? (Bench.Median(apiRounds), Bench.Median(sdkRounds)) : (1, 1);
        var memory = await UploadMemory.PeakAsync(settings, burst, burstMib);
        Bench.Record("upload", new
        {
            mib,
            concurrency,
            count,
            rounds,
            warmup_seconds = warmUp.TotalSeconds,
            api_mb_s = Bench.Round(apiMedian), // medians of the rounds
            sdk_mb_s = Bench.Round(sdkMedian),
            ratio = Bench.Round(apiMedian / sdkMedian, 2),
            api_rounds = apiRounds.Select(r => Bench.Round(r)).ToArray(),
            sdk_rounds = sdkRounds.Select(r => Bench.Round(r)).ToArray(),
            handler_cpu_s_per_100mb = Bench.Round(api.App / megabytes, 2), // the worker
            host_cpu_s_per_100mb = Bench.Round(api.Host / megabytes, 2), // the Functions host forwarding the bodies
            azurite_cpu_s_per_100mb_api = Bench.Round(api.Azurite / megabytes, 2),
            azurite_cpu_s_per_100mb_sdk = Bench.Round(sdk.Azurite / megabytes, 2),
            driver_cpu_s_per_100mb_api = Bench.Round(api.Driver / megabytes, 2),
            driver_cpu_s_per_100mb_sdk = Bench.Round(sdk.Driver / megabytes, 2),
            burst,
            burst_mib = burstMib,
            idle_rss_mib = Bench.Round(memory.Idle / 1048576.0),
            peak_rss_mib = Bench.Round(memory.Peak / 1048576.0),
            rss_growth_mib = Bench.Round((memory.Peak - memory.Idle) / 1048576.0),
            burst_seconds = Bench.Round(memory.Seconds, 2),
            second_burst_idle_rss_mib = Bench.Round(memory.IdleAgain / 1048576.0),
            second_burst_rss_growth_mib = Bench.Round((memory.PeakAgain - memory.IdleAgain) / 1048576.0),
            host_idle_rss_mib = Bench.Round(memory.HostIdle / 1048576.0),
            host_rss_growth_mib = Bench.Round((memory.HostPeak - memory.HostIdle) / 1048576.0),
            host_burst_heap_growth_mib = Bench.Round(memory.HostBurstHeapGrowth / 1048576.0, 2),
            // The worker's managed heap (bench/GcProbe): peaks over the heap a full GC left just before.
            one_upload_heap_growth_mib = Bench.Round(memory.OneUploadHeapGrowth / 1048576.0, 2),
            burst_heap_growth_mib = Bench.Round(memory.BurstHeapGrowth / 1048576.0, 2),
            allocated_per_upload_mib = Bench.Round(memory.AllocatedPerUpload / 1048576.0, 2),
            heap_growth_first_burst_mib = Bench.Round(memory.HeapGrowthFirstBurst / 1048576.0, 2), // full GC before and after
            heap_growth_second_burst_mib = Bench.Round(memory.HeapGrowthSecondBurst / 1048576.0, 2),
            gc_committed_growth_after_mib = Bench.Round(memory.CommittedGrowthAfter / 1048576.0, 2),
        });
        return 0;
    }

    /// <summary>CPU seconds of the worker, the host, Azurite and this driver, summed over the measured rounds of one side.</summary>
    private sealed class Cpu
    {
        public double App { get; private set; }
        public double Host { get; private set; }
        public double Azurite { get; private set; }
        public double Driver { get; private set; }

        public async Task<double> MeasureAsync(BenchSystem? system, Func<Task<double>> measure)
        {
            var before = (App: Bench.CpuSeconds(system?.Pid), Host: Bench.CpuSeconds(system?.HostPid), Azurite: Bench.CpuSeconds(Bench.AzuritePid), Driver: Bench.CpuSeconds(Environment.ProcessId));
            var result = await measure();
            App += Bench.CpuSeconds(system?.Pid) - before.App;
            Host += Bench.CpuSeconds(system?.HostPid) - before.Host;
            Azurite += Bench.CpuSeconds(Bench.AzuritePid) - before.Azurite;
            Driver += Bench.CpuSeconds(Environment.ProcessId) - before.Driver;
            return result;
        }
    }

    /// <summary>Runs <paramref name="operation"/> <paramref name="concurrency"/> at a time until <paramref name="duration"/> has passed.</summary>
    private static async Task WarmUpAsync(TimeSpan duration, int concurrency, Func<int, Task> operation)
    {
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                await operation(Interlocked.Increment(ref next));
            }
        }));
    }

    private static async Task<double> MegabytesPerSecondAsync(int count, int concurrency, long bytes, Func<int, Task> upload)
    {
        var clock = Stopwatch.StartNew();
        await RunConcurrentlyAsync(count, concurrency, upload);
        return count * bytes / 1e6 / clock.Elapsed.TotalSeconds;
    }

    internal static async Task PostAsync(HttpClient http, byte[] image)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "file", "bench.png");
        using var response = await http.PostAsync("/api/images", form);
        if ((int)response.StatusCode != 201)
        {
            throw new InvalidOperationException($"POST /api/images answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Runs <paramref name="count"/> operations, at most <paramref name="concurrency"/> at a time.</summary>
    public static async Task RunConcurrentlyAsync(int count, int concurrency, Func<int, Task> operation)
    {
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(count, concurrency)).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await operation(i);
            }
        });
        await Task.WhenAll(workers);
    }
}
