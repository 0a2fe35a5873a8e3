using System.Diagnostics;
using System.Net.Http.Headers;
using Azure.Storage.Blobs;

namespace Checkup.Bench;

/// <summary>
/// POST /api/images of a 5 MiB image, 8 at a time, against the Azure SDK uploading the same bytes straight to the same
/// Azurite, 8 at a time (rounds alternate; the best of each counts). Then, on a fresh handler, the peak resident memory
/// during 32 concurrent 10 MiB uploads over its idle resident memory. The in-process queue consumer is off
/// (Triggers__Standalone=false): this measures the upload, not the push to Cloudinary that follows it.
/// </summary>
public static class Upload
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var mib = args.Int("mib", 5);
        var concurrency = args.Int("concurrency", 8);
        var count = args.Int("count", 40);
        var rounds = args.Int("rounds", 2);
        var burst = args.Int("burst", 32);
        var burstMib = args.Int("burst-mib", 10);
        var settings = Autosave.Settings(args);
        settings["Triggers__Standalone"] = "false";

        var image = Bench.Png(mib * 1024 * 1024);
        double apiBest = 0, sdkBest = 0;
        var apiRounds = new List<double>();
        double apiCpu = 0, azuriteCpuApi = 0, azuriteCpuSdk = 0;
        var sdkRounds = new List<double>();
        var throughput = args.Text("throughput", "true") == "true";
        await using (var system = await BenchSystem.StartAsync("upload", settings))
        {
            if (!throughput)
            {
                rounds = 0;
                apiRounds.Add(1);
                sdkRounds.Add(1);
            }

            using var http = system.Client("bench-upload");
            var baseline = new BlobServiceClient(Bench.Storage).GetBlobContainerClient($"bench-sdk-{system.Suffix}");
            await baseline.CreateIfNotExistsAsync();
            try
            {
                if (throughput)
                {
                    // Warm-up, so both sides are measured in their steady state (JIT tiers, pools, connections).
                    await RunConcurrentlyAsync(3 * concurrency, concurrency, _ => PostAsync(http, image));
                    await RunConcurrentlyAsync(concurrency, concurrency, i => baseline.GetBlobClient($"warm-{i}").UploadAsync(new BinaryData(image), overwrite: true));
                }

                for (var round = 0; round < rounds; round++)
                {
                    var cpu = (App: Bench.CpuSeconds(system.Pid), Azurite: Bench.CpuSeconds(Bench.AzuritePid), Driver: Bench.CpuSeconds(Environment.ProcessId));
                    apiRounds.Add(await MegabytesPerSecondAsync(count, concurrency, image.Length, _ => PostAsync(http, image)));
                    var megabytes = count * image.Length / 1e8;
                    apiCpu = (Bench.CpuSeconds(system.Pid) - cpu.App) / megabytes;
                    azuriteCpuApi = (Bench.CpuSeconds(Bench.AzuritePid) - cpu.Azurite) / megabytes;
                    var azurite = Bench.CpuSeconds(Bench.AzuritePid);
                    sdkRounds.Add(await MegabytesPerSecondAsync(count, concurrency, image.Length,
                        i => baseline.GetBlobClient($"r{round}-{i}").UploadAsync(new BinaryData(image), overwrite: true)));
                    azuriteCpuSdk = (Bench.CpuSeconds(Bench.AzuritePid) - azurite) / megabytes;
                    Console.Error.WriteLine($"upload round {round + 1}: api {apiRounds[^1]:0.0} MB/s, sdk {sdkRounds[^1]:0.0} MB/s");
                }
            }
            finally
            {
                await baseline.DeleteIfExistsAsync();
            }

            apiBest = apiRounds.Max();
            sdkBest = sdkRounds.Max();
        }

        var memory = await PeakMemoryAsync(settings, burst, burstMib);
        Bench.Record("upload", new
        {
            mib,
            concurrency,
            count,
            rounds,
            api_mb_s = Bench.Round(apiBest),
            sdk_mb_s = Bench.Round(sdkBest),
            ratio = Bench.Round(apiBest / sdkBest, 2),
            api_rounds = apiRounds.Select(r => Bench.Round(r)).ToArray(),
            sdk_rounds = sdkRounds.Select(r => Bench.Round(r)).ToArray(),
            // CPU seconds per 100 MB uploaded (last round): where the time goes on a machine whose cores are all busy.
            handler_cpu_s_per_100mb = Bench.Round(apiCpu, 2),
            azurite_cpu_s_per_100mb_api = Bench.Round(azuriteCpuApi, 2),
            azurite_cpu_s_per_100mb_sdk = Bench.Round(azuriteCpuSdk, 2),
            burst,
            burst_mib = burstMib,
            idle_rss_mib = Bench.Round(memory.Idle / 1048576.0),
            peak_rss_mib = Bench.Round(memory.Peak / 1048576.0),
            rss_growth_mib = Bench.Round((memory.Peak - memory.Idle) / 1048576.0),
            burst_seconds = Bench.Round(memory.Seconds, 2),
            second_burst_idle_rss_mib = Bench.Round(memory.IdleAgain / 1048576.0),
            second_burst_rss_growth_mib = Bench.Round((memory.PeakAgain - memory.IdleAgain) / 1048576.0),
        });
        return 0;
    }

    /// <summary>A fresh handler, one upload of each size to warm it, then VmHWM (reset to VmRSS just before) over VmRSS.</summary>
    private static async Task<(long Idle, long Peak, double Seconds, long IdleAgain, long PeakAgain)> PeakMemoryAsync(Dictionary<string, string?> settings, int burst, int mib)
    {
        var image = Bench.Png(mib * 1024 * 1024);
        await using var system = await BenchSystem.StartAsync("upload-memory", settings);
        using var http = system.Client("bench-upload-memory");
        await PostAsync(http, image);
        await RunConcurrentlyAsync(2, 2, _ => PostAsync(http, image));
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
        await RunConcurrentlyAsync(burst, burst, _ => PostAsync(http, image));
        await stop.CancelAsync();
        await sampler;
        var seconds = clock.Elapsed.TotalSeconds;
        var peak = system.Memory().Peak;

        // The same burst again: what a handler that has seen such a burst (pools and threads grown) still adds.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var idleAgain = system.Memory().Rss;
        system.ResetPeak();
        await RunConcurrentlyAsync(burst, burst, _ => PostAsync(http, image));
        var peakAgain = system.Memory().Peak;
        return (idle, peak, seconds, idleAgain, peakAgain);
    }

    private static async Task<double> MegabytesPerSecondAsync(int count, int concurrency, long bytes, Func<int, Task> upload)
    {
        var clock = Stopwatch.StartNew();
        await RunConcurrentlyAsync(count, concurrency, upload);
        return count * bytes / 1e6 / clock.Elapsed.TotalSeconds;
    }

    private static async Task PostAsync(HttpClient http, byte[] image)
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
