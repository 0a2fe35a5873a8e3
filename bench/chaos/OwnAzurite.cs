using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Checkup.Chaos;

/// <summary>
/// An Azurite of the run's own (own ports, own data folder), so the run can restart it without disturbing anyone.
/// A restart is a graceful stop (SIGTERM: Azurite saves its metadata, as real storage never forgets a committed write),
/// a few seconds of outage, and a start on the same ports and data.
/// </summary>
public sealed class OwnAzurite : IAsyncDisposable
{
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _executable;
    private readonly string _dataDir;
    private readonly ProcessLog _log;
    private readonly int _blobPort = FreePort();
    private readonly int _queuePort = FreePort();
    private readonly int _tablePort = FreePort();
    private Process? _process;

    public OwnAzurite(string executable, string stateDir)
    {
        _executable = executable;
        _dataDir = Path.Combine(stateDir, "azurite");
        _log = new ProcessLog(Path.Combine(stateDir, "azurite.log"));
        Directory.CreateDirectory(_dataDir);
    }

    public int Restarts { get; private set; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{_blobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{_queuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{_tablePort}/devstoreaccount1;";

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--location", _dataDir,
                "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
                "--blobPort", $"{_blobPort}", "--queuePort", $"{_queuePort}", "--tablePort", $"{_tablePort}",
            },
        };
        _process = _log.Start(start);
        var watch = Stopwatch.StartNew();
        while (!await ListensAsync(_blobPort) || !await ListensAsync(_queuePort))
        {
            if (_process.HasExited || watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"Azurite did not start listening (see {_log.Path})");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Stops Azurite gracefully, keeps it down for <paramref name="outage"/>, starts it again.</summary>
    /// <returns>how long the graceful stop took (requests caught in it hang until their client gives up).</returns>
    public async Task<TimeSpan> RestartAsync(TimeSpan outage)
    {
        var watch = Stopwatch.StartNew();
        await StopAsync();
        var stopping = watch.Elapsed;
        await Task.Delay(outage);
        await StartAsync();
        Restarts++;
        return stopping;
    }

    /// <summary>
    /// SIGTERM: Azurite stops listening, lets the requests on open connections run out (those arriving now get no
    /// answer until the client's own timeout), then saves its data and exits. SIGKILL only if that never ends, and it
    /// says so: Azurite could lose its last seconds of writes, which real storage never does.
    /// </summary>
    private async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
            ForcedStops++;
        }

        _log.Write($"--- {DateTime.UtcNow:HH:mm:ss.fff} process {process.Id} exited");
        process.Dispose();
        _process = null;
    }

    /// <summary>Stops that had to SIGKILL (a run with one is not to be trusted about lost writes).</summary>
    public int ForcedStops { get; private set; }

    private static async Task<bool> ListensAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
