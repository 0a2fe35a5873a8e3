using System.Diagnostics;
using Azure.Storage.Blobs;
using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;
using Npgsql;

namespace Checkup.Bench;

/// <summary>
/// 500 images staged as an upload leaves them (row in saved-locally, blob in the staging container), their messages
/// put on the queue at once, and the Functions host's queue trigger invoking ProcessImage in the worker, which pushes
/// them to the Cloudinary stand-in, which answers each upload after a fixed delay. Throughput against the bound: the
/// most invocations the host runs at once (host.json <c>batchSize</c> + <c>newBatchThreshold</c>: it fetches another
/// batch when its in-flight messages fall to the threshold) divided by the stand-in's delay.
/// </summary>
public static class Pipeline
{
    public static async Task<int> RunAsync(Arguments args)
    {
        var images = args.Int("images", 500);
        var latency = TimeSpan.FromMilliseconds(args.Int("latency-ms", 100));
        var kib = args.Int("kib", 32);
        var settings = Autosave.Settings(args);

        await using var cloudinary = await CloudinaryStandIn.StartAsync();
        cloudinary.UploadDelay = latency;
        settings["CLOUDINARY_URL"] = cloudinary.CloudinaryUrl;
        settings["Cloudinary__ApiBaseUrl"] = cloudinary.BaseUrl.ToString();
        // The clock starts with the first message, not with the host's next poll of an empty queue.
        settings["AzureFunctionsJobHost__extensions__queues__maxPollingInterval"] = "00:00:00.100";
        await using var system = await BenchSystem.StartAsync("pipeline", settings);
        var (batchSize, newBatchThreshold) = QueueOptions(settings);
        var concurrency = batchSize + newBatchThreshold;

        var rounds = args.Int("rounds", 1);
        var results = new List<Round>();
        // A real photo with GPS and the rest: every push decodes it and removes the metadata first (ImageSanitizer).
        var photo = Bench.Photo(kib * 1024);
        for (var round = 0; round < rounds; round++)
        {
            results.Add(await RoundAsync(system, images, photo));
            Console.Error.WriteLine($"pipeline round {round + 1}: {images / results[^1].Seconds:0.0} images/s");
        }

        var best = results.MinBy(r => r.Seconds)!;
        var rate = images / best.Seconds;
        var bound = concurrency / latency.TotalSeconds;
        Bench.Record("pipeline", new
        {
            images,
            image_kib = photo.Length / 1024,
            latency_ms = latency.TotalMilliseconds,
            concurrency,
            batch_size = batchSize,
            new_batch_threshold = newBatchThreshold,
            rounds,
            saved = best.Saved,
            cloudinary_uploads = cloudinary.UploadRequests,
            seconds = Bench.Round(best.Seconds, 2),
            enqueue_seconds = Bench.Round(best.EnqueueSeconds, 2),
            images_per_s = Bench.Round(rate),
            bound_per_s = Bench.Round(bound),
            ratio = Bench.Round(rate / bound, 2),
            round_images_per_s = results.Select(r => Bench.Round(images / r.Seconds)).ToArray(),
            push_ms_avg = Bench.Round(best.PushMs),
            busy_invocations_avg = Bench.Round(images * best.PushMs / 1000 / best.Seconds, 2), // pushes in flight on average
            // CPU milliseconds per image: the worker, the host (the queue listener), Azurite (queue and blobs), this process
            // (the stand-in, the enqueuing).
            handler_cpu_ms = Bench.Round(best.HandlerCpuMs, 2),
            host_cpu_ms = Bench.Round(best.HostCpuMs, 2),
            azurite_cpu_ms = Bench.Round(best.AzuriteCpuMs, 2),
            driver_cpu_ms = Bench.Round(best.DriverCpuMs, 2),
            machine_busy = Bench.Round((best.HandlerCpuMs + best.HostCpuMs + best.AzuriteCpuMs + best.DriverCpuMs) * images / 1000 / best.Seconds / Environment.ProcessorCount, 2),
        });
        return results.All(r => r.Saved == images) ? 0 : 1;
    }

    private sealed record Round(double Seconds, double EnqueueSeconds, long Saved, double PushMs, double HandlerCpuMs, double HostCpuMs, double AzuriteCpuMs, double DriverCpuMs);

    /// <summary>host.json <c>extensions.queues</c> of the published worker, with the bench's overrides (as the host reads them).</summary>
    private static (int BatchSize, int NewBatchThreshold) QueueOptions(Dictionary<string, string?> settings)
    {
        using var hostJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Bench.WorkerDirectory, "host.json")));
        var queues = hostJson.RootElement.TryGetProperty("extensions", out var e) && e.TryGetProperty("queues", out var q) ? q : default;
        int Option(string name, int fallback) =>
            settings.GetValueOrDefault($"AzureFunctionsJobHost__extensions__queues__{name}") is { } set ? int.Parse(set, System.Globalization.CultureInfo.InvariantCulture)
            : queues.ValueKind == System.Text.Json.JsonValueKind.Object && queues.TryGetProperty(name, out var value) ? value.GetInt32()
            : fallback;
        var batchSize = Option("batchSize", 16);
        return (batchSize, Option("newBatchThreshold", batchSize / 2 * Environment.ProcessorCount));
    }

    /// <summary>Stages <paramref name="images"/> new images, queues them all at once and waits until none waits for Cloudinary.</summary>
    private static async Task<Round> RoundAsync(BenchSystem system, int images, byte[] bytes)
    {
        var ids = Enumerable.Range(0, images).Select(_ => Guid.CreateVersion7()).ToArray();
        await StageAsync(system, ids, bytes);
        var queue = system.UploadQueue;
        await using var connection = new NpgsqlConnection(system.ConnectionString);
        await connection.OpenAsync();
        await using var pending = new NpgsqlCommand("select count(*) from images where status = 'saved-locally' and id = any(@ids)", connection);
        pending.Parameters.AddWithValue("ids", ids);
        var cpu = (App: Bench.CpuSeconds(system.Pid), Host: Bench.CpuSeconds(system.HostPid), Azurite: Bench.CpuSeconds(Bench.AzuritePid), Driver: Bench.CpuSeconds(Environment.ProcessId));
        var clock = Stopwatch.StartNew();
        await Upload.RunConcurrentlyAsync(images, 16, i => queue.SendMessageAsync(new ImageMessage(ids[i], null).ToJson()));
        var enqueued = clock.Elapsed.TotalSeconds;
        while ((long)(await pending.ExecuteScalarAsync())! > 0)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"the pipeline did not finish {images} images within 5 minutes");
            }

            await Task.Delay(20);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var perImage = (App: (Bench.CpuSeconds(system.Pid) - cpu.App) * 1000 / images, Host: (Bench.CpuSeconds(system.HostPid) - cpu.Host) * 1000 / images, Azurite: (Bench.CpuSeconds(Bench.AzuritePid) - cpu.Azurite) * 1000 / images,
            Driver: (Bench.CpuSeconds(Environment.ProcessId) - cpu.Driver) * 1000 / images);

        await using var saved = new NpgsqlCommand("select count(*) from images where status = 'saved-cld' and id = any(@ids)", connection);
        saved.Parameters.AddWithValue("ids", ids);
        // Where the time goes: each image's log has "Pushing ..." (row locked) and "Saved ..." (Cloudinary answered).
        await using var push = new NpgsqlCommand("""
            select coalesce(avg(extract(epoch from ((log->1->>'at')::timestamptz - (log->0->>'at')::timestamptz))) * 1000, 0)::float8
            from images where status = 'saved-cld' and id = any(@ids)
            """, connection);
        push.Parameters.AddWithValue("ids", ids);
        return new Round(seconds, enqueued, (long)(await saved.ExecuteScalarAsync())!, (double)(await push.ExecuteScalarAsync())!,
            perImage.App, perImage.Host, perImage.Azurite, perImage.Driver);
    }

    /// <summary>Rows and blobs as a finished upload leaves them (ImageUploads), written directly.</summary>
    private static async Task StageAsync(BenchSystem system, Guid[] ids, byte[] bytes)
    {
        var container = system.Staging;
        await Upload.RunConcurrentlyAsync(ids.Length, 16, i => container.GetBlobClient(ImageUploads.BlobName(ids[i])).UploadAsync(new BinaryData(bytes), overwrite: true));
        await using var connection = new NpgsqlConnection(system.ConnectionString);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand("""
            insert into images (id, owner_id, status, local_path, content_type, bytes, width, height, sha256, log)
            select id, 'bench-pipeline', 'saved-locally', 'img-' || id, 'image/jpeg', @bytes, 4000, 3000, repeat('0', 64), '[]'::jsonb
            from unnest(@ids) as id
            """, connection);
        insert.Parameters.AddWithValue("ids", ids);
        insert.Parameters.AddWithValue("bytes", (long)bytes.Length);
        await insert.ExecuteNonQueryAsync();
    }

    internal static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
