using System.IO.Compression;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Package;

/// <summary>The deployable zip, built once by tools/publish.sh (as <c>./checkup publish</c> does) and unpacked.</summary>
public sealed class PublishedPackage : IAsyncLifetime
{
    public const string Executable = "Checkup.Functions";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "checkup-package-" + Guid.NewGuid().ToString("N")[..12]);

    public ScriptResult Publish { get; private set; } = null!;
    /// <summary>The zip; a failed publish fails every test that reads it, with the script's output.</summary>
    public string Zip => Built(Path.Combine(_root, "checkup-functions.zip"));

    public string Unpacked => Built(Path.Combine(_root, "unpacked"));

    public async Task InitializeAsync()
    {
        Publish = await Scripts.RunAsync("tools/publish.sh", _root);
        if (Publish.ExitCode == 0)
        {
            ZipFile.ExtractToDirectory(Zip, Unpacked); // restores the unix modes stored in the zip, as the platform does
        }
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return Task.CompletedTask;
    }

    private string Built(string path) =>
        Publish.ExitCode == 0 ? path : throw new InvalidOperationException("tools/publish.sh failed:\n" + Publish.Output);

    /// <summary>Names of the function folders in the source tree: each must be a folder at the package root.</summary>
    public static IEnumerable<string> Functions() =>
        Directory.GetDirectories(Path.Combine(TestEnvironment.RepositoryRoot, "Checkup.Functions", "FunctionApp")).Select(Path.GetFileName)!;
}
