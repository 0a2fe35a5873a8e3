using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Checkup.Core;
using Checkup.Core.Storage;
using Checkup.Core.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Checkup.Tests.Infrastructure;

/// <summary>
/// The app as Azure runs it: the Checkup.Functions build, unmodified, as the isolated worker of the local Functions host
/// (tools/FunctionsHost), a process of its own on a free port, on the real PostgreSQL and Azurite. It gets its own
/// staging container, upload queue and host id (timer locks), so apps side by side never see each other's work.
/// Settings are overridden as app settings ("Section:Key" or "Section__Key"; null removes one).
/// </summary>
/// <remarks>
/// The cleanup timer is disabled unless a test enables it (it would scan the shared database every five minutes);
/// queue messages are delivered by the host as on Azure.
/// </remarks>
public sealed partial class HostedApp : IAsyncDisposable
{
    private readonly TestProcess _process;

    /// <summary>Hosts not yet disposed: killed (with their workers) when the test run ends, whatever a test forgot.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<TestProcess, byte> Running = new();

    static HostedApp() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var process in Running.Keys)
        {
            process.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    };
    private readonly ServiceProvider _services;

    private HostedApp(TestProcess process, Uri baseAddress, Dictionary<string, string?> settings)
    {
        _process = process;
        BaseAddress = baseAddress;
        Settings = settings;
        _services = CoreServicesFor(settings);
    }

    /// <summary>Checkup.Core's services on an app's settings (environment-variable names, <c>__</c> for sections).</summary>
    internal static ServiceProvider CoreServicesFor(IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Where(s => s.Value is not null).Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), s.Value)))
            .Build();
        return new ServiceCollection().AddLogging().AddCheckupCore(configuration).BuildServiceProvider();
    }

    public Uri BaseAddress { get; }

    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>Checkup.Core's services on the app's settings: for reading what the app stored, never for calling its functions.</summary>
    public IServiceProvider Services => _services;

    public StorageClients Storage => _services.GetRequiredService<StorageClients>();

    /// <summary>Everything the host and its worker printed so far.</summary>
    public string Output => _process.Output;

    public int HostProcessId => _process.Id;

    public static AuthOptions Auth => new() { SigningKey = CheckupFactory.SigningKey, Issuer = CheckupFactory.Issuer, Audience = CheckupFactory.Audience };

    public static Dictionary<string, string?> DefaultSettings()
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        return new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = TestEnvironment.Postgres,
            ["AzureWebJobsStorage"] = TestEnvironment.Storage,
            ["AzureFunctionsWebHost__hostid"] = "checkup-" + suffix,
            ["Storage__StagingContainer"] = "staging-" + suffix,
            ["Storage__UploadQueue"] = "uploads-" + suffix,
            ["CLOUDINARY_URL"] = "cloudinary://test-key:test-secret@checkup-test",
            ["Auth__SigningKey"] = CheckupFactory.SigningKey,
            ["Auth__Issuer"] = CheckupFactory.Issuer,
            ["Auth__Audience"] = CheckupFactory.Audience,
            ["Cors__AllowedOrigins"] = "http://frontend.test",
            ["AzureWebJobs.CleanupImages.Disabled"] = "true",
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Testing",
        };
    }

    /// <summary>Starts the host and its worker and waits until the worker's functions are loaded and its start-up tasks ran.</summary>
    public static Task<HostedApp> StartAsync(IDictionary<string, string?>? overrides = null)
    {
        var settings = DefaultSettings();
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[SettingName(key)] = value;
        }

        return StartAsync(settings, waitForStartupTasks: true);
    }

    /// <summary>An app setting's name as an environment variable: "Section:Key" becomes "Section__Key".</summary>
    public static string SettingName(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    /// <param name="settings">every app setting (see <see cref="DefaultSettings"/>)</param>
    /// <param name="waitForStartupTasks">false: return once the functions are loaded, even while health still says "starting"</param>
    public static async Task<HostedApp> StartAsync(Dictionary<string, string?> settings, bool waitForStartupTasks)
    {
        var environment = settings.ToDictionary(s => s.Key, s => s.Value);
        var process = TestProcess.Start(Dotnet, [Built("tools/FunctionsHost/FunctionsHost.dll"), "--script-root", WorkerRoot, "--port", "0"], environment);
        Running.TryAdd(process, 0);
        try
        {
            var listening = await process.WaitForLineAsync(HostLines.Listening(), TimeSpan.FromSeconds(120));
            await process.WaitForLineAsync(HostLines.Functions(), TimeSpan.FromSeconds(180));
            var app = new HostedApp(process, new Uri(listening.Groups[1].Value.Replace("localhost", "127.0.0.1", StringComparison.Ordinal)), settings);
            if (waitForStartupTasks)
            {
                await app.WaitUntilStartedAsync();
            }

            return app;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the host and returns its output once its first worker failed to start (the host would start another).</summary>
    public static async Task<string> FirstWorkerFailureAsync(Dictionary<string, string?> settings)
    {
        await using var process = TestProcess.Start(Dotnet, [Built("tools/FunctionsHost/FunctionsHost.dll"), "--script-root", WorkerRoot, "--port", "0"], settings);
        await process.WaitForLineAsync(HostLines.WorkerFailed(), TimeSpan.FromSeconds(120));
        return process.Output;
    }

    /// <summary>The worker build the tests run: Checkup.Functions' output for this configuration.</summary>
    public static string WorkerRoot => Path.GetDirectoryName(Built("Checkup.Functions/Checkup.Functions.dll"))!;

    /// <summary>The configuration this test assembly was built in (Debug or Release), which built the rest too.</summary>
    private static readonly string Configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>A project's build output: "dir/Assembly.dll" becomes dir/bin/(configuration)/net10.0/Assembly.dll.</summary>
    private static string Built(string projectFile) =>
        Path.Combine(TestEnvironment.RepositoryRoot, Path.GetDirectoryName(projectFile)!, "bin", Configuration, "net10.0", Path.GetFileName(projectFile));

    private static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(100) };

    /// <summary>A client that carries a token for <paramref name="sub"/>.</summary>
    public HttpClient ClientFor(string sub, bool admin = false)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", DevTokens.Mint(Auth, sub, admin, TimeSpan.FromHours(1)));
        return client;
    }

    /// <summary>Health answers 503 "starting" until migrations and storage creation have ended (either way).</summary>
    private async Task WaitUntilStartedAsync()
    {
        using var client = CreateClient();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var response = await client.GetAsync("/api/health");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK || !body.Contains("\"starting\"", StringComparison.Ordinal))
            {
                return;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException($"The app never finished starting; health said {body}{Environment.NewLine}{Output}");
            }

            await Task.Delay(50);
        }
    }

    private readonly Dictionary<string, int> _invoked = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs <paramref name="function"/> once now through the host's admin API (<c>POST /admin/functions/{name}</c>, as an
    /// operator does on Azure: a timer function gets a manual tick, a queue function <paramref name="input"/> as its
    /// message) and waits until the host reports it executed. Counts on every execution of that function being one of
    /// these: its trigger disabled (<c>AzureWebJobs.{name}.Disabled</c>).
    /// </summary>
    public async Task<Invocation> InvokeAsync(string function, string input = "")
    {
        int ticket;
        lock (_invoked)
        {
            ticket = _invoked[function] = _invoked.GetValueOrDefault(function) + 1;
        }

        var mark = Lines().Length;
        using var client = CreateClient();
        var response = await client.PostAsJsonAsync($"/admin/functions/{function}", new { input });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var executed = $"Executed 'Functions.{function}' (";
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var lines = Lines();
            var done = lines.Where(l => l.Contains(executed, StringComparison.Ordinal)).Skip(ticket - 1).FirstOrDefault();
            if (done is not null)
            {
                return new Invocation(done.Contains(executed + "Succeeded", StringComparison.Ordinal), lines.Skip(mark).Select(Message).ToArray());
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{function} never finished:{Environment.NewLine}{Output}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The first output line (without its timestamp) that contains <paramref name="text"/>, once it is there; bounded.</summary>
    public async Task<string> WaitForLogAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Lines().Select(Message).FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No line with '{text}' within {timeout}:{Environment.NewLine}{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The host's output lines so far.</summary>
    public string[] Lines() => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A console line without the host's timestamp and level: "[2026-...Z] warn: text" is "text".</summary>
    public static string Message(string line) => LinePrefix().Replace(line.TrimEnd('\r'), "");

    [GeneratedRegex(@"^\[[^\]]+\] (?:(?:warn|fail|crit): )?")]
    private static partial Regex LinePrefix();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.StopAsync(TimeSpan.FromSeconds(20));
        }
        catch (OperationCanceledException)
        {
            // it did not stop in time: disposal kills it
        }

        await _process.DisposeAsync();
        Running.TryRemove(_process, out _);
        await _services.DisposeAsync();
        // For a look after a failed run: every app's host and worker output, named by its host id.
        var logs = Path.Combine(TestEnvironment.RepositoryRoot, ".local", "logs", "test-hosts");
        Directory.CreateDirectory(logs);
        await File.WriteAllTextAsync(Path.Combine(logs, Settings["AzureFunctionsWebHost__hostid"] + ".log"), Output);
    }

}

/// <summary>One run of a function through the host: whether it succeeded, and what the host printed meanwhile (every line, without timestamps).</summary>
public sealed record Invocation(bool Succeeded, string[] Logs)
{
    public bool Logged(string text) => Logs.Any(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>The cleanup's summary line ("Image cleanup: staged copies deleted 1, ...").</summary>
    public string CleanupSummary => Logs.Single(l => l.StartsWith("Image cleanup:", StringComparison.Ordinal));
}
