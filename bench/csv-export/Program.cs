// Measures GET /api/admin/submissions.csv (arguments: submission counts, e.g. 10000 50000): time to the first byte,
// throughput, and what the export costs the handler in memory, for each count.
//
// The real handler (Kestrel on loopback, the real PostgreSQL) runs in this process, so the managed heap and the RSS
// are the handler's; curl, a separate process, downloads the file to /dev/null. The database is seeded with
// submissions of three projects each (Cyrillic, commas and quotes in the text, an image URL per project). After a
// warm-up export, one measured export records bytes allocated, the peak growth of the managed heap while it runs
// (sampled every 2 ms, over the collected heap before it) and the RSS growth. If the export buffered the result, the
// heap would grow with the count; streamed, it stays flat.
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Checkup.Core.Auth;
using Npgsql;

var counts = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).Order().ToArray() : [10_000, 50_000];
var postgres = Required("ConnectionStrings__Postgres");
var storage = Required("AzureWebJobsStorage");
var database = "bench_csv_" + Guid.NewGuid().ToString("N")[..8];
await Sql(postgres, "postgres", $"create database \"{database}\"");
var benchDb = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ConnectionString;
var port = FreePort();
var suffix = Guid.NewGuid().ToString("N")[..8];
var auth = new AuthOptions { SigningKey = Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + "-bench-signing-key-0123456789", Issuer = "bench", Audience = "bench" };

string[] handlerArgs =
[
    "--urls", $"http://127.0.0.1:{port}",
    $"--ConnectionStrings:Postgres={benchDb}",
    $"--AzureWebJobsStorage={storage}",
    $"--Storage:StagingContainer=bench-{suffix}", $"--Storage:UploadQueue=bench-{suffix}",
    "--CLOUDINARY_URL=cloudinary://bench:bench@bench",
    $"--Auth:SigningKey={auth.SigningKey}", "--Auth:Issuer=bench", "--Auth:Audience=bench",
    "--Triggers:Standalone=false",
    "--Logging:LogLevel:Default=Warning",
];
// The handler's own Main (Checkup.Functions' Program), on a thread of its own: it runs until the process ends.
new Thread(() => typeof(Checkup.Functions.Auth.AuthSetup).Assembly.EntryPoint!.Invoke(null, [handlerArgs])) { IsBackground = true }.Start();
await WaitForAsync(port); // migrations have run
var token = DevTokens.Mint(auth, "bench-admin", admin: true, TimeSpan.FromHours(1));

try
{
    var seeded = 0;
    Console.WriteLine($"csv-export: GET /api/admin/submissions.csv, handler in Release, workstation GC ({Environment.ProcessorCount} cores)");
    Console.WriteLine("  submissions |   file MiB | first byte |   total s |  rows/s | MiB/s | allocated/row | peak heap growth | RSS growth");
    foreach (var count in counts)
    {
        await SeedAsync(benchDb, seeded, count);
        seeded = count;
        await ExportAsync(port, token); // warm-up: JIT, pools, connections, the database's cache

        var baseline = FullGcHeap();
        var rssBefore = Rss();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
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
        var (bytes, firstByte, total) = await ExportAsync(port, token);
        await sampling.CancelAsync();
        await sampler;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var rssAfter = Rss();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {count,11} | {bytes / 1048576.0,10:0.0} | {firstByte * 1000,7:0} ms | {total,9:0.00} | {count / total,7:0} | {bytes / 1048576.0 / total,5:0.0} | {allocated / (double)count,9:0} B   | {Mib(peak - baseline)}     | {Mib(rssAfter - rssBefore)}"));
    }
}
finally
{
    NpgsqlConnection.ClearAllPools();
    await Sql(postgres, "postgres", $"drop database if exists \"{database}\" with (force)");
}

return 0;

// Submissions from..to-1, each with three projects and three images in Cloudinary; one in three still a draft.
static async Task SeedAsync(string connectionString, int from, int to)
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
    await using var command = new NpgsqlCommand(sql, connection);
    command.Parameters.AddWithValue("from", from);
    command.Parameters.AddWithValue("to", to);
    command.CommandTimeout = 600;
    await command.ExecuteNonQueryAsync();
    await using var analyze = new NpgsqlCommand("analyze", connection);
    await analyze.ExecuteNonQueryAsync();
}

static async Task<(long Bytes, double FirstByte, double Total)> ExportAsync(int port, string token)
{
    var curl = Process.Start(new ProcessStartInfo("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_starttransfer} %{time_total}",
        "-H", $"Authorization: Bearer {token}", $"http://127.0.0.1:{port}/api/admin/submissions.csv"]) { RedirectStandardOutput = true })!;
    var output = (await curl.StandardOutput.ReadToEndAsync()).Split(' ');
    await curl.WaitForExitAsync();
    if (output[0] != "200")
    {
        throw new InvalidOperationException("export failed: " + string.Join(' ', output));
    }

    return (long.Parse(output[1], CultureInfo.InvariantCulture), double.Parse(output[2], CultureInfo.InvariantCulture), double.Parse(output[3], CultureInfo.InvariantCulture));
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
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}

static string Mib(long bytes) => $"{bytes / 1048576.0,8:0.00} MiB";

static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
    ? value
    : throw new InvalidOperationException($"{name} is not set: run bench/csv-export/run.sh (it starts the stack and sets it).");

static async Task Sql(string connectionString, string database, string sql)
{
    await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = database, Pooling = false }.ConnectionString);
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
            if ((await http.GetAsync($"http://127.0.0.1:{port}/api/health")).IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
        }

        await Task.Delay(100);
    }

    throw new TimeoutException("the handler did not become healthy");
}
