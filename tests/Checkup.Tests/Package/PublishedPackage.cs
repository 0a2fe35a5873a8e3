using System.IO.Compression;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Package;

/// <summary>
/// The deployable zip, built once by tools/publish.sh (as <c>./checkup publish</c> does) and unpacked; and, when a test
/// asks for it, that unpacked package running under the local Functions host (started once, stopped with the fixture).
/// </summary>
public sealed class PublishedPackage : IAsyncLifetime
{
    public const string Executable = "Checkup.Functions";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "checkup-package-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Lazy<Task<PackagedApp>> _app;

    public PublishedPackage() => _app = new(() => PackagedApp.StartAsync(Unpacked, FunctionsHostAssembly));

    public ScriptResult Publish { get; private set; } = null!;

    /// <summary>The zip; a failed publish fails every test that reads it, with the script's output.</summary>
    public string Zip => Built(Path.Combine(_root, "checkup-functions.zip"));

    public string Unpacked => Built(Path.Combine(_root, "unpacked"));

    /// <summary>The unpacked package under the local Functions host (started on first use).</summary>
    public Task<PackagedApp> RunningAsync() => _app.Value;

    /// <summary>The local Functions host of this test build's configuration (tools/FunctionsHost, built with the solution).</summary>
    public static string FunctionsHostAssembly => Path.Combine(TestEnvironment.RepositoryRoot, "tools", "FunctionsHost", "bin",
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", "FunctionsHost.dll");

    /// <summary>The worker build the other tests run (Checkup.Functions' build output of this configuration).</summary>
    public static string BuildOutput => HostedApp.WorkerRoot;

    public async Task InitializeAsync()
    {
        Publish = await Scripts.RunAsync("tools/publish.sh", _root);
        if (Publish.ExitCode == 0)
        {
            ZipFile.ExtractToDirectory(Zip, Unpacked); // restores the unix modes stored in the zip, as the platform does
        }
    }

    public async Task DisposeAsync()
    {
        if (_app.IsValueCreated)
        {
            try
            {
                await (await _app.Value).DisposeAsync();
            }
            catch (Exception) when (_app.Value.IsFaulted)
            {
                // the start failed: the test that asked for it reported why
            }
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private string Built(string path) =>
        Publish.ExitCode == 0 ? path : throw new InvalidOperationException("tools/publish.sh failed:\n" + Publish.Output);
}
