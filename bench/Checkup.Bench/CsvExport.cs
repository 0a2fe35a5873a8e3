using System.Diagnostics;
using System.Globalization;
using System.Text;
using Checkup.Core.Auth;
using Npgsql;

namespace Checkup.Bench;

/// <summary>
/// <c>GET /api/admin/submissions.csv</c> for growing numbers of submissions (bench/csv-export/run.sh): time to the first
/// byte, throughput, and what each export costs the worker and the Functions host in memory. Not a row of the table: no
/// baseline, and its question is whether memory grows with the file. The worker runs under the host with the GC probe
/// (bench/GcProbe) in both; curl, a separate process, downloads the file to /dev/null. The database is seeded with
/// submissions of three projects each (Cyrillic, commas and quotes in the text, a formula-like name, an image URL per
/// project). After a warm-up export of each size, one measured export records, for each process: the bytes it allocated,
/// the peak of its managed heap (sampled every 2 ms inside it) over the heap a full GC left just before, and its peak
/// RSS (VmHWM, reset just before) over its RSS before. Streamed, the worker's figures stay flat as the file grows.
/// </summary>
public static class CsvExport
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var counts = args.Text("counts", "10000,50000").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).Order().ToArray();
        var settings = new Dictionary<string, string?> { ["AzureWebJobs.ProcessImage.Disabled"] = "true" };
        await using var system = await BenchSystem.StartAsync("csv", settings, probeHeaps: true);
        var token = DevTokens.Mint(system.Auth, "bench-admin", admin: true, TimeSpan.FromHours(2));
        var url = new Uri(system.BaseUrl, "/api/admin/submissions.csv");
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"csv-export: GET /api/admin/submissions.csv, the worker (Release) under the Functions host ({Environment.ProcessorCount} cores)");
        table.AppendLine("  submissions |   file MiB | first byte |  total s |  rows/s | MiB/s || worker: allocated/row | peak heap growth | peak RSS growth || host: allocated/row | peak heap growth | peak RSS growth");
        var seeded = 0;
        foreach (var count in counts)
        {
            await SeedAsync(system.ConnectionString, seeded, count);
            seeded = count;
            await ExportAsync(url, token); // warm-up: JIT, pools, connections, the database's cache

            var workerHeap = await HeapBefore.TakeAsync(system.WorkerHeap);
            var hostHeap = await HeapBefore.TakeAsync(system.HostHeap);
            // After the collections, which give memory back: the high-water marks start from the RSS the export starts from.
            system.ResetPeak();
            system.ResetHostPeak();
            var (workerRss, hostRss) = (system.Memory().Rss, system.HostMemory().Rss);
            var (bytes, firstByte, total) = await ExportAsync(url, token);
            var w = await workerHeap.AfterAsync(system.WorkerHeap, system.Memory().Peak - workerRss);
            var h = await hostHeap.AfterAsync(system.HostHeap, system.HostMemory().Peak - hostRss);
            Bench.Record("csv", new
            {
                submissions = count,
                file_mib = Bench.Round(bytes / 1048576.0),
                first_byte_ms = Bench.Round(firstByte * 1000),
                total_s = Bench.Round(total, 2),
                worker_allocated_per_row_kb = Bench.Round(w.Allocated / 1024.0 / count, 2),
                worker_peak_heap_growth_mib = Bench.Round(w.HeapGrowth / 1048576.0, 2),
                worker_peak_rss_growth_mib = Bench.Round(w.RssGrowth / 1048576.0, 2),
                host_allocated_per_row_kb = Bench.Round(h.Allocated / 1024.0 / count, 2),
                host_peak_heap_growth_mib = Bench.Round(h.HeapGrowth / 1048576.0, 2),
                host_peak_rss_growth_mib = Bench.Round(h.RssGrowth / 1048576.0, 2),
            });
            table.AppendLine(CultureInfo.InvariantCulture,
                $"  {count,11} | {bytes / 1048576.0,10:0.0} | {firstByte * 1000,7:0} ms | {total,8:0.00} | {count / total,7:0} | {bytes / 1048576.0 / total,5:0.0} || " +
                $"{w.Allocated / 1024.0 / count,17:0.0} KB | {Mib(w.HeapGrowth)} | {Mib(w.RssGrowth)} || {h.Allocated / 1024.0 / count,15:0.0} KB | {Mib(h.HeapGrowth)} | {Mib(h.RssGrowth)}");
        }

        Console.Write(table);
        return 0;
    }

    /// <summary>One process's heap just before the measured export (collected, then watched); <see cref="AfterAsync"/> turns it into growth.</summary>
    private sealed record HeapBefore(long Heap, long Allocated)
    {
        public static async Task<HeapBefore> TakeAsync(ManagedHeap heap)
        {
            var (collected, _) = await heap.CollectAsync();
            var allocated = await heap.AllocatedAsync();
            await heap.WatchAsync();
            return new HeapBefore(collected, allocated);
        }

        public async Task<(long Allocated, long HeapGrowth, long RssGrowth)> AfterAsync(ManagedHeap heap, long rssGrowth) =>
            (await heap.AllocatedAsync() - Allocated, await heap.PeakAsync() - Heap, rssGrowth);
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0,12:0.00} MiB");

    /// <summary>Submissions from..to-1, each with three projects and three images in Cloudinary; one in three still a draft.</summary>
    private static async Task SeedAsync(string connectionString, int from, int to)
    {
        const string sql = """
            insert into images (id, owner_id, status, cloudinary_url, cloudinary_public_id, bytes, width, height)
            select md5('img-' || k || '-' || s)::uuid, 'bench-' || k, 'saved-cld',
                   'https://res.cloudinary.com/bench/image/upload/v1700000000/checkup/' || md5('img-' || k || '-' || s)::uuid,
                   'checkup/' || md5('img-' || k || '-' || s)::uuid, 250000, 1600, 1200
            from generate_series(@from, @to - 1) k, generate_series(1, 3) s;

            insert into submissions (author_id, status, submitted_at, created_at,
                project_1_name, project_1_role, project_1_description, project_1_image,
                project_2_name, project_2_role, project_2_description, project_2_image,
                project_3_name, project_3_role, project_3_description, project_3_image)
            select 'bench-' || k, case when k % 3 = 0 then 'draft' else 'submitted' end,
                   case when k % 3 = 0 then null else now() end, now() - (@to - k) * interval '1 second',
                   'Проект ' || k || ', "первый"', 'Дизайнер', repeat('Описание: вёрстка, типографика и "сетка"; ', 12), md5('img-' || k || '-1')::uuid,
                   'Project ' || k || ' two', 'Developer', repeat('Built the API, the tests, and the "deploy" script. ', 10), md5('img-' || k || '-2')::uuid,
                   '=Project ' || k || ' three', 'Lead', repeat('Led a team of four. ', 20), md5('img-' || k || '-3')::uuid
            from generate_series(@from, @to - 1) k;
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 })
        {
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("to", to);
            await command.ExecuteNonQueryAsync();
        }

        await using var analyze = new NpgsqlCommand("analyze", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    /// <summary>One download by curl to /dev/null: its size, the time to its first byte and its total time, in seconds.</summary>
    private static async Task<(long Bytes, double FirstByte, double Total)> ExportAsync(Uri url, string token)
    {
        var output = (await Bench.RunToolAsync("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_starttransfer} %{time_total}",
            "-H", $"Authorization: Bearer {token}", url.ToString()])).Split(' ');
        if (output[0] != "200")
        {
            throw new InvalidOperationException("export failed: " + string.Join(' ', output));
        }

        return (long.Parse(output[1], CultureInfo.InvariantCulture), double.Parse(output[2], CultureInfo.InvariantCulture), double.Parse(output[3], CultureInfo.InvariantCulture));
    }
}
