using System.Diagnostics;
using System.Text;
using Checkup.Core.Images;
using Npgsql;

namespace Checkup.Bench;

/// <summary>
/// One CleanupImages run (<c>POST /admin/functions/CleanupImages</c>: the Functions host runs the timer function now) over
/// N images in saved-cld with a staged copy to delete, for each N, each on a fresh host, worker and database; its time is
/// the Duration of the host's <c>Executed 'Functions.CleanupImages'</c> line. The run's per-step batch
/// cap (Images__CleanupMaxBatches) is raised so that one run does all N: the figure is how the run's time grows with
/// the work (10x the images: linear is 10).
/// <para>
/// The staged blobs are absent by default: the run still makes one delete call per image (a missing blob counts as
/// deleted, Azurite answers 404), but Azurite's own cost of deleting a blob grows with the number of blobs it holds
/// (its metadata store scans them: about 3.5 ms per delete among 1,000 blobs, 22 ms among 10,000 on the development
/// machine), which would measure the emulator, not the cleanup. <c>--blobs-for 1000</c> adds runs with real blobs.
/// </para>
/// </summary>
public static partial class Cleanup
{
    [System.Text.RegularExpressions.GeneratedRegex(@"Duration=(\d+)ms")]
    private static partial System.Text.RegularExpressions.Regex Duration();


    public static async Task<int> RunAsync(Arguments args)
    {
        var sizes = args.Text("sizes", "1000,10000").Split(',').Select(int.Parse).ToArray();
        var withBlobs = args.Text("blobs-for", "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        var settings = Autosave.Settings(args);
        settings["Images__CleanupMaxBatches"] = "100000";
        // The host's Executed line (with the run's duration) and the worker's summary are information.
        settings["AzureFunctionsJobHost__logging__logLevel__default"] = "Information";
        var runs = new List<(int Images, double Seconds, double SeedSeconds)>();
        var blobRuns = new List<(int Images, double Seconds, double SeedSeconds)>();
        foreach (var (size, blobs) in sizes.Select(s => (s, false)).Concat(withBlobs.Select(s => (s, true))))
        {
            await using var system = await BenchSystem.StartAsync($"cleanup-{size}", settings);
            var seed = Stopwatch.StartNew();
            await SeedAsync(system, size, blobs);
            var seeded = seed.Elapsed.TotalSeconds;
            using var http = system.Client();
            var mark = system.LineCount;
            using var response = await http.PostAsync("/admin/functions/CleanupImages", new StringContent("""{"input":""}""", Encoding.UTF8, "application/json"));
            if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"The host's admin API answered {(int)response.StatusCode} to running CleanupImages");
            }

            var lines = await system.WaitForLineAsync(mark, l => l.Contains("Executed 'Functions.CleanupImages'", StringComparison.Ordinal), TimeSpan.FromMinutes(10));
            var executed = Duration().Match(lines[^1]);
            var summary = lines.LastOrDefault(l => l.Contains("Image cleanup: ", StringComparison.Ordinal)) ?? "";
            if (!lines[^1].Contains("(Succeeded", StringComparison.Ordinal) || !executed.Success || !summary.Contains($"staged copies deleted {size},", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The cleanup over {size} images did not do it: {lines[^1]} {summary}");
            }

            var seconds = int.Parse(executed.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) / 1000.0;

            await using var connection = new NpgsqlConnection(system.ConnectionString);
            await connection.OpenAsync();
            var left = await Pipeline.ScalarAsync<long>(connection, "select count(*) from images where local_path is not null");
            if (left != 0)
            {
                throw new InvalidOperationException($"{left} staged copies are left after the cleanup run over {size} images");
            }

            Console.Error.WriteLine($"cleanup over {size}{(blobs ? " with blobs" : "")}: {seconds:0.00} s (seeding took {seeded:0.0} s): {summary}");
            (blobs ? blobRuns : runs).Add((size, seconds, seeded));
        }

        var (small, large) = (runs[0], runs[^1]);
        Bench.Record("cleanup", new
        {
            sizes,
            seconds = runs.Select(r => Bench.Round(r.Seconds, 2)).ToArray(),
            small_images = small.Images,
            small_seconds = Bench.Round(small.Seconds, 2),
            large_images = large.Images,
            large_seconds = Bench.Round(large.Seconds, 2),
            ratio = Bench.Round(large.Seconds / small.Seconds, 2),
            work_ratio = (double)large.Images / small.Images,
            per_image_ms = runs.Select(r => Bench.Round(r.Seconds * 1000 / r.Images, 2)).ToArray(),
            staged_blobs = "absent (each delete call answered 404)",
            with_blobs = blobRuns.Select(r => new { images = r.Images, seconds = Bench.Round(r.Seconds, 2), per_image_ms = Bench.Round(r.Seconds * 1000 / r.Images, 2) }).ToArray(),
        });
        return 0;
    }

    /// <summary>Images as ProcessImage leaves them: saved-cld, the staged copy named on the row (and in place when <paramref name="blobs"/>).</summary>
    private static async Task SeedAsync(BenchSystem system, int count, bool blobs)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();
        var container = system.Staging;
        var bytes = Bench.Png(4096);
        if (blobs)
        {
            await Upload.RunConcurrentlyAsync(count, 32, i => container.GetBlobClient(ImageUploads.BlobName(ids[i])).UploadAsync(new BinaryData(bytes), overwrite: true));
        }

        await using var connection = new NpgsqlConnection(system.ConnectionString);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand("""
            insert into images (id, owner_id, status, local_path, cloudinary_url, cloudinary_public_id, cloudinary_version,
                                content_type, bytes, width, height, sha256, log, created_at, updated_at)
            select id, 'bench-cleanup', 'saved-cld', 'img-' || id, 'https://res.cloudinary.com/bench/image/upload/v1/checkup/' || id,
                   'checkup/' || id, 1, 'image/png', @bytes, 4000, 3000, repeat('0', 64),
                   '[{"at": "2026-11-22T10:00:00Z", "message": "Saved in Cloudinary"}]'::jsonb, now() - interval '1 minute', now() - interval '1 minute'
            from unnest(@ids) as id
            """, connection);
        insert.Parameters.AddWithValue("ids", ids);
        insert.Parameters.AddWithValue("bytes", (long)bytes.Length);
        await insert.ExecuteNonQueryAsync();
        await using var analyze = new NpgsqlCommand("analyze images", connection); // as autovacuum would after such an insert
        await analyze.ExecuteNonQueryAsync();
    }
}
