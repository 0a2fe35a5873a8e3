using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Checkup.Core.Auth;
using Npgsql;

namespace Checkup.Bench;

/// <summary>
/// The system under test: the published Checkup.Functions executable in a process of its own, standalone (no Functions
/// host), on a scratch database, its own staging container and queue, and a free loopback port. Settings reach it as
/// environment variables, as app settings do under the host. Its output goes to a log file beside the results.
/// </summary>
public sealed class BenchSystem : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly string _database;

    private BenchSystem(Process process, StreamWriter log, string database, string connectionString, string suffix, Uri baseUrl, AuthOptions auth)
    {
        _process = process;
        _log = log;
        _database = database;
        ConnectionString = connectionString;
        Suffix = suffix;
        BaseUrl = baseUrl;
        Auth = auth;
    }

    public int Pid => _process.Id;
    public Uri BaseUrl { get; }
    public AuthOptions Auth { get; }
    public string ConnectionString { get; }
    /// <summary>The staging container and upload queue are <c>bench-&lt;suffix&gt;</c>.</summary>
    public string Suffix { get; }
    public string Container => $"bench-{Suffix}";
    public BlobContainerClient Staging => new BlobServiceClient(Bench.Storage).GetBlobContainerClient(Container);
    public QueueClient UploadQueue => new QueueServiceClient(Bench.Storage, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).GetQueueClient(Container);

    /// <param name="name">names the log file</param>
    /// <param name="settings">app settings on top of the bench's (null removes one)</param>
    public static async Task<BenchSystem> StartAsync(string name, IDictionary<string, string?>? settings = null)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var database = $"bench_{name}_{suffix}";
        await Bench.SqlAsync(Bench.Postgres, $"create database \"{database}\"", "postgres");
        var connectionString = new NpgsqlConnectionStringBuilder(Bench.Postgres) { Database = database }.ConnectionString;
        var port = FreePort();
        var auth = new AuthOptions { SigningKey = Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + "-bench-signing-key-0123456789", Issuer = "bench", Audience = "bench" };
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["AzureWebJobsStorage"] = Bench.Storage,
            ["Storage__StagingContainer"] = $"bench-{suffix}",
            ["Storage__UploadQueue"] = $"bench-{suffix}",
            ["CLOUDINARY_URL"] = "cloudinary://bench:bench@bench",
            ["Auth__SigningKey"] = auth.SigningKey,
            ["Auth__Issuer"] = auth.Issuer,
            ["Auth__Audience"] = auth.Audience,
            // Load comes from a few users: the per-person write limit would measure the limiter, not the system.
            ["RateLimits__WritesPerMinute"] = "1000000",
            // The timer stays out of the measurements; the cleanup bench invokes /CleanupImages itself.
            ["Triggers__CleanupSchedule"] = "0 0 0 1 1 *",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        var start = new ProcessStartInfo(Bench.AppExecutable, ["--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Bench.AppExecutable)!,
        };
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var log = new StreamWriter(Path.Combine(Bench.OutputDirectory, $"{name}.log"), append: true) { AutoFlush = true };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var system = new BenchSystem(process, log, database, connectionString, suffix, new Uri($"http://127.0.0.1:{port}"), auth);
        await system.WaitHealthyAsync();
        return system;
    }

    public HttpClient Client(string? sub = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = BaseUrl,
            Timeout = TimeSpan.FromMinutes(10),
        };
        if (sub is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", Token(sub));
        }

        return client;
    }

    public string Token(string sub) => DevTokens.Mint(Auth, sub, admin: false, TimeSpan.FromHours(2));

    /// <summary>Resident memory now and its high-water mark, in bytes (<c>/proc/&lt;pid&gt;/status</c>).</summary>
    public (long Rss, long Peak) Memory()
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line) * 1024;
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kilobytes(line) * 1024;
        }

        return (rss, peak);
    }

    /// <summary>Resets the high-water mark to the current RSS (Linux: "5" into clear_refs).</summary>
    public void ResetPeak() => File.WriteAllText($"/proc/{Pid}/clear_refs", "5");

    private async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        string last = "no answer";
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Checkup.Functions exited with {_process.ExitCode} at start; see {Bench.OutputDirectory}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(BaseUrl, "/api/health"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException)
            {
                last = "timeout";
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Checkup.Functions did not become healthy within 90 s (last: {last})");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        await _log.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await Bench.SqlAsync(Bench.Postgres, $"drop database if exists \"{_database}\" with (force)", "postgres");
        await Staging.DeleteIfExistsAsync();
        await UploadQueue.DeleteIfExistsAsync();
        await new QueueServiceClient(Bench.Storage).GetQueueClient(Container + "-poison").DeleteIfExistsAsync();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
