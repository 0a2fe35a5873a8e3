using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Checkup.Bench;

/// <summary>The table of the latest figure of each measurement in results.jsonl, printed and written as Markdown.</summary>
public static class Report
{
    /// <summary>In bench/results.md, the start of the part <c>report</c> keeps as it is.</summary>
    public const string KeptMarker = "<!-- kept by bench/run: written by hand -->";

    public static int Run(Arguments args)
    {
        var output = args.Required("out");
        var rows = new List<string[]>();
        if (Bench.Last("autosave") is { } a)
        {
            rows.Add([
                $"Autosave: `PUT /api/submission/draft`, {a["connections"]} connections, one user each (wrk)",
                $"{N(a["api_rps"])} req/s, p50 {a["api_p50_ms"]} ms, p99 {a["api_p99_ms"]} ms",
                $"pgbench `-M {a["pgbench_mode"]}`, the same statement, {a["connections"]} clients, one row each: {N(a["pgbench_tps"])} tx/s, p50 {a["pgbench_p50_ms"]} ms, p99 {a["pgbench_p99_ms"]} ms",
                R(a["ratio"]), "≥ 0.7", Verdict((double)a["ratio"]! >= 0.7)]);
        }

        if (Bench.Last("upload") is { } u)
        {
            rows.Add([
                $"Upload: `POST /api/images`, {u["mib"]} MiB images, {u["concurrency"]} at a time",
                $"{u["api_mb_s"]} MB/s",
                $"Azure SDK `UploadAsync` of the same bytes straight to the same Azurite, {u["concurrency"]} at a time: {u["sdk_mb_s"]} MB/s",
                R(u["ratio"]), "≥ 0.8", Verdict((double)u["ratio"]! >= 0.8)]);
            rows.Add([
                $"Upload memory: {u["burst"]} concurrent {u["burst_mib"]} MiB uploads",
                $"peak RSS {u["peak_rss_mib"]} MiB over idle {u["idle_rss_mib"]} MiB: **+{u["rss_growth_mib"]} MiB**",
                "the worker's own idle RSS (after one upload of each kind)",
                "-", "≤ 64 MiB", Verdict((double)u["rss_growth_mib"]! <= 64)]);
        }

        foreach (var (variant, label) in new[] { ("default", "default publish"), ("r2r", "ReadyToRun") })
        {
            if (Last("coldstart", variant) is { } cold)
            {
                rows.Add([
                    $"Cold start, {label}: Functions host launch to the first 200 from `/api/health` (median of {cold["runs"]}, started alternately)",
                    $"{cold["checkup_median_ms"]} ms",
                    $"an empty isolated worker (one HTTP function, `health`) published the same way (self-contained linux-x64), under the same host: {cold["empty_median_ms"]} ms",
                    $"{R(cold["ratio"])}x", "≤ 1.5x", Verdict((double)cold["ratio"]! <= 1.5)]);
            }
        }

        if (Bench.Last("pipeline") is { } p)
        {
            rows.Add([
                $"Pipeline: {p["images"]} staged images through `ProcessImage`, Cloudinary stand-in answering after {p["latency_ms"]} ms",
                $"{p["images_per_s"]} images/s ({p["seconds"]} s)",
                p["batch_size"] is { } batch
                    ? $"bound: {p["concurrency"]} invocations at once (the host's `batchSize` {batch} + `newBatchThreshold` {p["new_batch_threshold"]}) / {p["latency_ms"]} ms = {p["bound_per_s"]} images/s"
                    : $"bound: {p["concurrency"]} invocations at once / {p["latency_ms"]} ms = {p["bound_per_s"]} images/s",
                R(p["ratio"]), "≥ 0.8", Verdict((double)p["ratio"]! >= 0.8)]);
        }

        if (Bench.Last("cleanup") is { } c)
        {
            rows.Add([
                $"Cleanup: one run over {N(c["small_images"])} and over {N(c["large_images"])} `saved-cld` images",
                $"{c["large_seconds"]} s for {N(c["large_images"])}, {c["small_seconds"]} s for {N(c["small_images"])}",
                $"linear: {c["work_ratio"]}x the time for {c["work_ratio"]}x the images",
                R(c["ratio"]), "≤ 12", Verdict((double)c["ratio"]! <= 12)]);
        }

        var notes = new List<string>();
        if (Bench.Last("autosave") is { } an && an["pgbench_unprepared_tps"] is { } unprepared)
        {
            notes.Add($"Autosave: the same statement unprepared (`pgbench -M extended`, planned on every call) runs at {N(unprepared)} tx/s.");
        }

        if (Bench.Last("autosave") is { } ac && ac["api_cpu_us"] is JsonObject apiCpu && ac["pgbench_cpu_us"] is JsonObject dbCpu)
        {
            notes.Add($"Autosave: CPU per request through the API: PostgreSQL {apiCpu["postgres"]} µs, the worker {apiCpu["handler"]} µs, " +
                (apiCpu["host"] is { } hostCpu ? $"the Functions host {hostCpu} µs, " : "") +
                $"wrk {apiCpu["wrk"]} µs; per pgbench transaction: PostgreSQL {dbCpu["postgres"]} µs, pgbench {dbCpu["pgbench"]} µs " +
                $"(all on the same {Environment.ProcessorCount} cores).");
        }

        if (Bench.Last("upload") is { } un && un["handler_cpu_s_per_100mb"] is { } handlerCpu)
        {
            notes.Add($"Upload: medians of {un["rounds"]} rounds after a {un["warmup_seconds"]?.ToString() ?? "-"} s warm-up of each side; CPU seconds per 100 MB uploaded: " +
                $"the worker {handlerCpu}, " + (un["host_cpu_s_per_100mb"] is { } hostUpload ? $"the Functions host {hostUpload}, " : "") +
                $"Azurite {un["azurite_cpu_s_per_100mb_api"]} through the API (one streamed Put Blob per image, then Set Blob Metadata) " +
                $"against Azurite {un["azurite_cpu_s_per_100mb_sdk"]} for the SDK's single upload; the driver {un["driver_cpu_s_per_100mb_api"]?.ToString() ?? "-"} sending " +
                $"multipart to the API against {un["driver_cpu_s_per_100mb_sdk"]?.ToString() ?? "-"} uploading through the SDK.");
        }

        if (Bench.Last("upload") is { } um && um["burst_heap_growth_mib"] is { } burstHeap)
        {
            notes.Add($"Upload memory: the worker's managed heap (read inside it by the bench's GC probe, over the heap a full GC left just before) " +
                $"grew by {um["one_upload_heap_growth_mib"]} MiB at the peak of one {um["burst_mib"]} MiB upload and by {burstHeap} MiB at the peak of the " +
                $"{um["burst"]} concurrent ones; an upload allocated {um["allocated_per_upload_mib"]} MiB; after a full GC the first burst had left the heap " +
                $"{um["heap_growth_first_burst_mib"]} MiB larger, the second {um["heap_growth_second_burst_mib"]} MiB (GC committed memory {um["gc_committed_growth_after_mib"]} MiB over both). " +
                $"The Functions host, forwarding the bodies: RSS +{um["host_rss_growth_mib"]} MiB over its idle {um["host_idle_rss_mib"]} MiB " +
                $"(its managed heap +{um["host_burst_heap_growth_mib"]} MiB at the peak).");
        }

        if (Bench.Last("pipeline") is { } pn && pn["busy_invocations_avg"] is { } busy)
        {
            notes.Add($"Pipeline: on average {busy} of {pn["concurrency"]} invocations were pushing; a push took {pn["push_ms_avg"]} ms " +
                $"(staged blob read, upload to the stand-in); CPU per image: worker {pn["handler_cpu_ms"]} ms, " +
                (pn["host_cpu_ms"] is { } hostPipeline ? $"the Functions host {hostPipeline} ms, " : "") + $"Azurite {pn["azurite_cpu_ms"]} ms, stand-in and driver {pn["driver_cpu_ms"]} ms.");
        }

        if (Bench.Last("cleanup") is { } cn && cn["with_blobs"] is JsonArray { Count: > 0 } withBlobs)
        {
            notes.Add($"Cleanup: the runs above find the staged blobs already gone (each delete answers 404), because Azurite's own delete " +
                $"slows down as it holds more blobs; with {N(withBlobs[0]!["images"])} real blobs the run took {withBlobs[0]!["seconds"]} s.");
        }

        var table = new StringBuilder();
        table.AppendLine("| measurement | Checkup | baseline, measured in the same run | ratio | target | |");
        table.AppendLine("|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            table.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        var machine = args.Text("machine", "unknown machine");
        var load = args.Text("load", "?");
        var markdown = $"""
            # Benchmark results

            Written by `bench/run` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, on {machine} (load averages over 1, 5 and 15 minutes: {load} the run).
            Each ratio compares Checkup with a baseline measured in the same run on the same machine, so both saw the same
            hardware and the same background load; absolute figures vary from machine to machine and from run to run.

            {table}
            {string.Join(Environment.NewLine, notes.Select(n => "- " + n))}
            """;
        // What follows the marker (earlier tables and why the figures changed) is written by people and kept.
        var kept = File.Exists(output) && File.ReadAllText(output) is var previous && previous.IndexOf(KeptMarker, StringComparison.Ordinal) is >= 0 and var at
            ? Environment.NewLine + previous[at..].TrimEnd() + Environment.NewLine
            : "";
        File.WriteAllText(output, markdown.TrimEnd() + Environment.NewLine + kept);
        Console.WriteLine(table);
        return 0;
    }

    private static JsonObject? Last(string kind, string name) => File.Exists(Bench.ResultsFile)
        ? File.ReadLines(Bench.ResultsFile).Select(l => JsonNode.Parse(l)!.AsObject())
            .LastOrDefault(o => (string?)o["kind"] == kind && (string?)o["variant"] == name)
        : null;

    private static string N(JsonNode? value) => ((double)value!).ToString("#,0", CultureInfo.InvariantCulture);

    private static string R(JsonNode? value) => ((double)value!).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Verdict(bool met) => met ? "met" : "**missed**";
}
