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
/// The system under test: the published Checkup.Functions worker under the local Functions host (tools/FunctionsHost,
/// Release), as on Azure: the host listens on a free loopback port, forwards HTTP to the worker's own Kestrel and runs
/// the queue trigger. A scratch database, its own staging container and queue; settings reach the host as environment
/// variables (app settings), and the worker gets them from it. The host's output, the worker's logs included, goes to
/// a log file beside the results.
/// </summary>
public sealed class BenchSystem : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly string _database;

    private readonly string? _probe;

    private BenchSystem(Process process, StreamWriter log, string database, string connectionString, string suffix, Uri baseUrl, AuthOptions auth, string? probe)
    {
        _probe = probe;
        _process = process;
        _log = log;
        _database = database;
        ConnectionString = connectionString;
        Suffix = suffix;
        BaseUrl = baseUrl;
        Auth = auth;
    }

    /// <summary>The worker's process: the app itself (its memory and CPU).</summary>
    public int Pid { get; private set; }

    /// <summary>The Functions host's process (the forwarding hop, the queue listener).</summary>
    public int HostPid => _process.Id;
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
    /// <param name="probeHeaps">loads bench/GcProbe into the host and its worker (<see cref="WorkerHeap"/>, <see cref="HostHeap"/>);
    /// only for memory measurements, since it adds a thread to each process</param>
    public static async Task<BenchSystem> StartAsync(string name, IDictionary<string, string?>? settings = null, bool probeHeaps = false)
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
            // ... and so would the per-person cap on uploads in flight (4): the upload rows send 8 and 32 at once as one person.
            ["Images__MaxConcurrentUploads"] = "64",
            // The timer stays out of the measurements: a disabled function is not scheduled, and the cleanup bench
            // runs it through the host's admin API.
            ["AzureWebJobs.CleanupImages.Disabled"] = "true",
            ["AzureFunctionsWebHost__hostid"] = $"bench-{suffix}",
            // The local host prints two lines per invocation (Executing, Executed) on its console, where the Azure host
            // sends them, sampled, to Application Insights: at thousands of requests a second that would measure the
            // console. Warnings and errors still reach the log.
            ["AzureFunctionsJobHost__logging__logLevel__default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        // The hook reaches the worker too: the host starts it with the host's own environment. A short folder: a Unix
        // socket's path has at most 107 characters.
        var probe = probeHeaps ? Directory.CreateDirectory(Path.Combine("/tmp", $"checkup-gc-{suffix}")).FullName : null;
        if (probe is not null)
        {
            environment["DOTNET_STARTUP_HOOKS"] = ManagedHeap.HookAssembly;
            environment["CHECKUP_BENCH_GC_PROBE"] = probe;
        }

        var start = Bench.HostStart(Bench.WorkerDirectory, port);
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
        var system = new BenchSystem(process, log, database, connectionString, suffix, new Uri($"http://127.0.0.1:{port}"), auth, probe);
        process.OutputDataReceived += (_, e) => system.Received(e.Data);
        process.ErrorDataReceived += (_, e) => system.Received(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await system.WaitHealthyAsync();
        system.Pid = Bench.ChildOf(process.Id) ?? throw new InvalidOperationException($"The Functions host {process.Id} answers but runs no worker process");
        if (probe is not null)
        {
            await system.HostHeap.WaitReadyAsync(TimeSpan.FromSeconds(10));
            await system.WorkerHeap.WaitReadyAsync(TimeSpan.FromSeconds(10));
        }

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

    /// <summary>The worker's managed heap (started with <c>probeHeaps</c>).</summary>
    public ManagedHeap WorkerHeap => new(_probe ?? throw new InvalidOperationException("started without probeHeaps"), Pid);

    /// <summary>The host's managed heap (started with <c>probeHeaps</c>).</summary>
    public ManagedHeap HostHeap => new(_probe ?? throw new InvalidOperationException("started without probeHeaps"), HostPid);

    /// <summary>The worker's resident memory now and its high-water mark, in bytes (<c>/proc/&lt;pid&gt;/status</c>).</summary>
    public (long Rss, long Peak) Memory() => Memory(Pid);

    /// <summary>The same for the Functions host's own process.</summary>
    public (long Rss, long Peak) HostMemory() => Memory(HostPid);

    private static (long Rss, long Peak) Memory(int pid)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kilobytes(line) * 1024;
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = Kilobytes(line) * 1024;
        }

        return (rss, peak);
    }

    /// <summary>Resets the worker's high-water mark to its current RSS (Linux: "5" into clear_refs).</summary>
    public void ResetPeak() => File.WriteAllText($"/proc/{Pid}/clear_refs", "5");

    /// <summary>The same for the host's.</summary>
    public void ResetHostPeak() => File.WriteAllText($"/proc/{HostPid}/clear_refs", "5");

    private async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        string last = "no answer";
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The Functions host exited with {_process.ExitCode} at start; see {Bench.OutputDirectory}");
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

        throw new TimeoutException($"Checkup under the Functions host did not become healthy within 90 s (last: {last})");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true); // the host and its worker
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
        if (_probe is not null)
        {
            Directory.Delete(_probe, recursive: true);
        }

        await new QueueServiceClient(Bench.Storage).GetQueueClient(Container + "-poison").DeleteIfExistsAsync();
    }

    private readonly List<string> _lines = [];

    /// <summary>Lines the host has written so far (its own and its worker's): a mark for <see cref="WaitForLineAsync"/>.</summary>
    public int LineCount
    {
        get
        {
            lock (_lines)
            {
                return _lines.Count;
            }
        }
    }

    /// <summary>The lines after <paramref name="mark"/> up to the first that <paramref name="match"/>es, once it is written.</summary>
    public async Task<IReadOnlyList<string>> WaitForLineAsync(int mark, Func<string, bool> match, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            lock (_lines)
            {
                var found = _lines.FindIndex(mark, new Predicate<string>(match));
                if (found >= 0)
                {
                    return _lines.GetRange(mark, found - mark + 1);
                }
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"The Functions host wrote no matching line within {within.TotalSeconds:0} s; see {Bench.OutputDirectory}");
    }

    private void Received(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
            _log.WriteLine(line);
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
