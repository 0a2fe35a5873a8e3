// Measures what one POST /api/images of a 10 MiB file (arguments: uploads, MiB) costs the handler in memory.
//
// The real handler (Kestrel on loopback, the real PostgreSQL and Azurite) runs in this process, so the managed heap
// and the RSS are the handler's own; curl, a separate process, uploads the file from disk. After warm-up uploads
// (JIT, pools, connections), it records for a series of uploads: bytes allocated per upload, the peak growth of the
// managed heap while they run (sampled every 5 ms), the heap growth left after a full GC, and the RSS growth.
using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Checkup.Core.Auth;
using Npgsql;

const int Warmups = 3;

var uploads = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10;
var fileBytes = (args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10) * 1024 * 1024;
var postgres = Required("ConnectionStrings__Postgres");
var storage = Required("AzureWebJobsStorage");
var database = "bench_upload_" + Guid.NewGuid().ToString("N")[..8];
await Sql(postgres, $"create database \"{database}\"");
var port = FreePort();
var suffix = Guid.NewGuid().ToString("N")[..8];
var auth = new AuthOptions { SigningKey = Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + "-bench-signing-key-0123456789", Issuer = "bench", Audience = "bench" };
var file = Path.Combine(Path.GetTempPath(), $"checkup-bench-{suffix}.png");
await File.WriteAllBytesAsync(file, Png(fileBytes));

string[] args2 =
[
    "--urls", $"http://127.0.0.1:{port}",
    $"--ConnectionStrings:Postgres={new NpgsqlConnectionStringBuilder(postgres) { Database = database }}",
    $"--AzureWebJobsStorage={storage}",
    $"--Storage:StagingContainer=bench-{suffix}", $"--Storage:UploadQueue=bench-{suffix}",
    "--CLOUDINARY_URL=cloudinary://bench:bench@bench",
    $"--Auth:SigningKey={auth.SigningKey}", "--Auth:Issuer=bench", "--Auth:Audience=bench",
    "--Triggers:Standalone=false", // measure the upload alone, not the push to Cloudinary
    "--Logging:LogLevel:Default=Warning",
];
// The handler's own Main (Checkup.Functions' Program), on a thread of its own: it runs until the process ends.
var handler = new Thread(() => typeof(Checkup.Functions.Auth.AuthSetup).Assembly.EntryPoint!.Invoke(null, [args2]))
    { IsBackground = true };
handler.Start();
await WaitForAsync(port);

var token = DevTokens.Mint(auth, "bench-user", admin: false, TimeSpan.FromHours(1));
try
{
    for (var i = 0; i < Warmups; i++)
    {
        await UploadAsync(port, token, file);
    }

    var heapBefore = FullGcHeap();
    var rssBefore = Rss();
    var committedBefore = GC.GetGCMemoryInfo().TotalCommittedBytes;
    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
    long worstPeak = 0;
    var watch = new Stopwatch();
    for (var i = 0; i < uploads; i++)
    {
        // Peak per upload: from a collected heap, the highest heap size seen while one upload runs (sampled every 2 ms).
        var baseline = FullGcHeap();
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(2);
            }
        });
        watch.Start();
        await UploadAsync(port, token, file);
        watch.Stop();
        await sampling.CancelAsync();
        await sampler;
        worstPeak = Math.Max(worstPeak, peak - baseline);
    }

    var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
    var heapAfter = FullGcHeap();
    var rssAfter = Rss();
    var committedAfter = GC.GetGCMemoryInfo().TotalCommittedBytes;

    Console.WriteLine($"upload-memory: {uploads} uploads of a {fileBytes / 1048576.0:0} MiB file after {Warmups} warm-ups ({watch.Elapsed.TotalMilliseconds / uploads:0} ms each)");
    Console.WriteLine($"  allocated per upload               {Mib(allocated / uploads)}  (every managed allocation of the process: the handler's)");
    Console.WriteLine($"  peak managed heap growth, 1 upload {Mib(worstPeak)}  (worst of {uploads}: heap while one upload runs, over the collected heap before it)");
    Console.WriteLine($"  managed heap growth after all      {Mib(heapAfter - heapBefore)}  (after a full GC)");
    Console.WriteLine($"  GC committed growth after all      {Mib(committedAfter - committedBefore)}  (memory the GC holds from the OS)");
    Console.WriteLine($"  RSS growth after all               {Mib(rssAfter - rssBefore)}  (RSS {Mib(rssBefore).Trim()} -> {Mib(rssAfter).Trim()})");
}
finally
{
    File.Delete(file);
    NpgsqlConnection.ClearAllPools();
    await Sql(postgres, $"drop database if exists \"{database}\" with (force)");
}

return 0;

static async Task UploadAsync(int port, string token, string file)
{
    var curl = Process.Start(new ProcessStartInfo("curl", ["-sS", "-o", "-", "-w", "\n%{http_code}", "-H", $"Authorization: Bearer {token}",
        "-F", $"file=@{file};type=image/png", $"http://127.0.0.1:{port}/api/images"]) { RedirectStandardOutput = true })!;
    var output = await curl.StandardOutput.ReadToEndAsync();
    await curl.WaitForExitAsync();
    if (!output.EndsWith("201", StringComparison.Ordinal))
    {
        throw new InvalidOperationException("upload failed: " + output);
    }

    JsonDocument.Parse(output[..output.LastIndexOf('\n')]).Dispose();
}

static byte[] Png(int size)
{
    var bytes = new byte[size];
    new Random(7).NextBytes(bytes);
    byte[] header = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0x0F, 0xA0, 0, 0, 0x0B, 0xB8, 8, 2, 0, 0, 0];
    header.CopyTo(bytes, 0); // a 4000x3000 PNG header; the handler reads only the header
    return bytes;
}

static long FullGcHeap()
{
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    return GC.GetTotalMemory(forceFullCollection: true);
}

static long Rss()
{
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
}

static string Mib(long bytes) => $"{bytes / 1048576.0,8:0.00} MiB";

static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
    ? value
    : throw new InvalidOperationException($"{name} is not set: run bench/upload-memory/run.sh (it starts the stack and sets it).");

static async Task Sql(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

static int FreePort()
{
    using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

static async Task WaitForAsync(int port)
{
    using var http = new HttpClient();
    for (var i = 0; i < 300; i++)
    {
        try
        {
            await http.GetAsync($"http://127.0.0.1:{port}/api/health");
            return;
        }
        catch (HttpRequestException)
        {
            await Task.Delay(100);
        }
    }

    throw new TimeoutException("the handler did not start");
}
