using System.Diagnostics;

namespace Checkup.Bench;

/// <summary>Process start to the first 200 from /api/health, repeated; the median is what counts.</summary>
public static class ColdStart
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var exe = args.Required("exe");
        var name = args.Text("name", Path.GetFileName(exe));
        var port = args.Int("port", BenchSystem.FreePort());
        var runs = args.Int("runs", 15);
        var env = args.All("env").Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        if (args.Text("checkup-settings", "false") == "true")
        {
            foreach (var (key, value) in await CheckupSettingsAsync())
            {
                env.TryAdd(key, value);
            }
        }

        var url = $"http://127.0.0.1:{port}/api/health";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };

        var times = new List<double>();
        for (var run = 0; run < runs + 1; run++)
        {
            var start = new ProcessStartInfo(exe, ["--urls", $"http://127.0.0.1:{port}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Path.GetDirectoryName(exe)!,
            };
            foreach (var (k, v) in env)
            {
                start.Environment[k] = v;
            }

            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            while (true)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    process.Kill(true);
                    throw new TimeoutException($"{exe} did not answer 200 on {url} within 60 s");
                }

                try
                {
                    using var response = await http.GetAsync(url);
                    if (response.IsSuccessStatusCode)
                    {
                        break;
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

            var elapsed = clock.Elapsed.TotalMilliseconds;
            process.Kill(true);
            await process.WaitForExitAsync();
            if (run > 0)
            {
                times.Add(elapsed); // the first run warms the disk cache and is not counted
            }
        }

        times.Sort();
        Bench.Record("coldstart", new
        {
            name,
            exe,
            runs,
            median_ms = Math.Round(times[times.Count / 2], 1),
            min_ms = Math.Round(times[0], 1),
            max_ms = Math.Round(times[^1], 1),
        });
        return 0;
    }

    /// <summary>What the handler needs to answer 200 from /api/health: a database (migrated by its first start) and storage.</summary>
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
        };
    }
}
