using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Checkup.Core;
using Checkup.Core.Storage;
using Checkup.Core.Auth;
using FunctionsHost.Tests;
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
    private readonly ServiceProvider _services;

    private HostedApp(TestProcess process, Uri baseAddress, Dictionary<string, string?> settings)
    {
        _process = process;
        BaseAddress = baseAddress;
        Settings = settings;
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Where(s => s.Value is not null).Select(s => KeyValuePair.Create(s.Key.Replace("__", ":", StringComparison.Ordinal), s.Value)))
            .Build();
        _services = new ServiceCollection().AddLogging().AddCheckupCore(configuration).BuildServiceProvider();
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
    public static async Task<HostedApp> StartAsync(IDictionary<string, string?>? overrides = null)
    {
        var settings = DefaultSettings();
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var environment = settings.ToDictionary(s => s.Key, s => s.Value);
        var process = TestProcess.Start(Dotnet, [Built("tools/FunctionsHost/FunctionsHost.dll"), "--script-root", WorkerRoot, "--port", "0"], environment);
        try
        {
            var listening = await process.WaitForLineAsync(ListeningLine(), TimeSpan.FromSeconds(120));
            await process.WaitForLineAsync(FunctionsLine(), TimeSpan.FromSeconds(180));
            var app = new HostedApp(process, new Uri(listening.Groups[1].Value.Replace("localhost", "127.0.0.1", StringComparison.Ordinal)), settings);
            await app.WaitUntilStartedAsync();
            return app;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
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
        await _services.DisposeAsync();
    }

    [GeneratedRegex(@"Listening on (\S+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"^Functions:")]
    private static partial Regex FunctionsLine();
}
