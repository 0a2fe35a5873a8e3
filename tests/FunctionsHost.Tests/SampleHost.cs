using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Queues;
using Checkup.Tests.Infrastructure;

namespace FunctionsHost.Tests;

/// <summary>
/// Names this test's queues and host id, so tests that run side by side on one storage account never see each
/// other's messages, timer status or locks.
/// </summary>
public sealed class SampleSettings
{
    public SampleSettings()
    {
        Prefix = "t" + Guid.NewGuid().ToString("N")[..10];
        Values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = Storage.ConnectionString,
            ["AzureFunctionsWebHost__hostid"] = Prefix,
            ["StringQueue"] = $"{Prefix}-strings",
            ["MessageQueue"] = $"{Prefix}-messages",
            ["BinaryQueue"] = $"{Prefix}-binary",
            ["ResultsQueue"] = $"{Prefix}-results",
            ["TickSchedule"] = "0 0 0 1 1 *", // once a year: tests that need the timer set their own
            ["StartupSchedule"] = "01:00:00",
            ["FunctionsHost__QueueMessageLease"] = "00:00:04",
            ["FunctionsHost__ListenerLockRecoveryInterval"] = "00:00:01",
        };
    }

    public string Prefix { get; }

    public Dictionary<string, string?> Values { get; }

    public string this[string name]
    {
        get => Values[name]!;
        set => Values[name] = value;
    }

    public QueueClient Queue(string setting, bool base64 = true) =>
        new(Storage.ConnectionString, this[setting], new QueueClientOptions
        {
            MessageEncoding = base64 ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None,
        });

    public RecordReader Records() => new(new QueueClient(Storage.ConnectionString, this["ResultsQueue"]));
}

/// <summary>The local Functions host running the sample worker, as a separate process on a free port.</summary>
public sealed class SampleHost : IAsyncDisposable
{
    private SampleHost(TestProcess process, Uri baseAddress)
    {
        Process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(100) };
    }

    public TestProcess Process { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>Starts the host and waits until the first worker is initialized and its functions listed.</summary>
    public static async Task<SampleHost> StartAsync(SampleSettings settings)
    {
        var process = TestProcess.Start(Paths.Dotnet, [Paths.HostDll, "--script-root", Paths.SampleRoot, "--port", "0"], settings.Values);
        try
        {
            var listening = await process.WaitForLineAsync(HostLines.Listening(), TimeSpan.FromSeconds(120));
            await process.WaitForLineAsync(HostLines.Functions(), TimeSpan.FromSeconds(180));
            return new SampleHost(process, new Uri(listening.Groups[1].Value));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>The pid of the nth worker process the host started (0: the first).</summary>
    public async Task<int> WorkerPidAsync(int nth = 0) =>
        int.Parse((await Process.WaitForLineAsync(HostLines.WorkerStarted(), TimeSpan.FromSeconds(60), nth)).Groups[1].Value);

    /// <summary>The host's peak resident memory so far (VmHWM), in bytes.</summary>
    public long PeakMemory()
    {
        var line = File.ReadAllLines($"/proc/{Process.Id}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    public Task<int> StopAsync() => Process.StopAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
    }

}

/// <summary>What the sample's functions recorded (SampleWorker.Record), read from this test's results queue.</summary>
public sealed record Record(string Function, string Stage, string? Text, long DequeueCount, bool IsPastDue, DateTime? Last, DateTime? Next, string? InvocationId, int ProcessId);

public sealed class RecordReader(QueueClient queue)
{
    private readonly List<Record> _seen = [];

    public IReadOnlyList<Record> Seen => _seen;

    /// <summary>Reads records until the condition holds over all seen so far; the timeout only guards a hang.</summary>
    public async Task<IReadOnlyList<Record>> WaitForAsync(Func<IReadOnlyList<Record>, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await ReadAsync();
            if (condition(_seen))
            {
                return _seen;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The records never met the condition; seen:{Environment.NewLine}{string.Join(Environment.NewLine, _seen)}");
            }
            await Task.Delay(200);
        }
    }

    public async Task ReadAsync()
    {
        await queue.CreateIfNotExistsAsync();
        while (true)
        {
            var messages = (await queue.ReceiveMessagesAsync(32)).Value;
            if (messages.Length == 0)
            {
                return;
            }
            foreach (var message in messages)
            {
                _seen.Add(JsonSerializer.Deserialize<Record>(message.Body.ToString())!);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }
    }
}

public static class Storage
{
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("AzureWebJobsStorage")
        ?? throw new InvalidOperationException("AzureWebJobsStorage is not set: run these tests with ./checkup test, which starts Azurite and sets it.");
}

/// <summary>Where the built host and sample are: beside this test assembly's configuration.</summary>
public static class Paths
{
    private static readonly string Configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string Root { get; } = FindRoot();

    public static string HostDll => Path.Combine(Root, "tools", "FunctionsHost", "bin", Configuration, "net10.0", "FunctionsHost.dll");

    public static string SampleRoot => Path.Combine(Root, "tests", "SampleWorker", "bin", Configuration, "net10.0");

    public static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Checkup.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Checkup.sln not found above the test assembly.");
    }
}
