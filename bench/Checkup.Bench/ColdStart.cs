using System.Diagnostics;

namespace Checkup.Bench;

/// <summary>
/// Launch of the Functions host to the first 200 from /api/health, with Checkup's worker and with the empty worker (one
/// HTTP function, <c>health</c>) published the same way, under the same host, started alternately (so both see the same
/// background load), after one unmeasured start of each (disk cache). The medians count. Each start is a new host and
/// worker; both are killed after the answer.
/// </summary>
public static class ColdStart
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var variant = args.Required("variant");
        var empty = Path.GetFullPath(args.Required("empty"));
        var checkup = Path.GetFullPath(args.Required("checkup"));
        var runs = args.Int("runs", 15);
        var settings = await CheckupSettingsAsync();
        var emptyTimes = new List<double>();
        var checkupTimes = new List<double>();
        for (var run = 0; run <= runs; run++)
        {
            var e = await StartOnceAsync(empty, new Dictionary<string, string> { ["AzureWebJobsStorage"] = Bench.Storage });
            var c = await StartOnceAsync(checkup, settings);
            if (run > 0)
            {
                emptyTimes.Add(e);
                checkupTimes.Add(c);
            }
        }

        var (emptyMedian, checkupMedian) = (Bench.Median(emptyTimes), Bench.Median(checkupTimes));
        Bench.Record("coldstart", new
        {
            variant,
            runs,
            empty_median_ms = Bench.Round(emptyMedian),
            checkup_median_ms = Bench.Round(checkupMedian),
            ratio = Bench.Round(checkupMedian / emptyMedian, 2),
            empty_min_ms = Bench.Round(emptyTimes.Min()),
            checkup_min_ms = Bench.Round(checkupTimes.Min()),
            empty_max_ms = Bench.Round(emptyTimes.Max()),
            checkup_max_ms = Bench.Round(checkupTimes.Max()),
        });
        return 0;
    }

    /// <summary>Milliseconds from launching the host on <paramref name="scriptRoot"/> to its first 200 from /api/health; then both are killed.</summary>
    private static async Task<double> StartOnceAsync(string scriptRoot, Dictionary<string, string> environment)
    {
        var port = BenchSystem.FreePort();
        var url = $"http://127.0.0.1:{port}/api/health";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var start = Bench.HostStart(scriptRoot, port);
        foreach (var (k, v) in environment)
        {
            start.Environment[k] = v;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>(); // shown when the start fails
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (true)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(60) || process.HasExited)
                {
                    throw new TimeoutException($"The host on {scriptRoot} did not answer 200 on {url} within 60 s (exited: {process.HasExited}):\n" +
                                               string.Join('\n', output.TakeLast(30)));
                }

                try
                {
                    using var response = await http.GetAsync(url);
                    if (response.IsSuccessStatusCode)
                    {
                        return clock.Elapsed.TotalMilliseconds;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                await Task.Delay(2);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true); // the host and its worker
            await process.WaitForExitAsync();
        }
    }

    /// <summary>What Checkup needs to answer 200 from /api/health: a database (migrated by its first start) and storage, and the host a timer id.</summary>
    private static async Task<Dictionary<string, string>> CheckupSettingsAsync()
    {
        const string database = "bench_coldstart";
        try
        {
            await Bench.SqlAsync(Bench.Postgres, $"create database \"{database}\"", "postgres");
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.DuplicateDatabase)
        {
        }

        return new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = new Npgsql.NpgsqlConnectionStringBuilder(Bench.Postgres) { Database = database }.ConnectionString,
            ["AzureWebJobsStorage"] = Bench.Storage,
            ["Storage__StagingContainer"] = "bench-coldstart",
            ["Storage__UploadQueue"] = "bench-coldstart",
            ["CLOUDINARY_URL"] = "cloudinary://bench:bench@bench",
            ["Auth__SigningKey"] = "bench-cold-start-signing-key-0123456789abcdef",
            ["Auth__Issuer"] = "bench",
            ["Auth__Audience"] = "bench",
            ["AzureFunctionsWebHost__hostid"] = "bench-coldstart",
        };
    }
}
