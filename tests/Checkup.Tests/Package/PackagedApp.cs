using Checkup.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Checkup.Tests.Package;

/// <summary>
/// The unpacked package run as the platform runs it: the local Functions host (tools/FunctionsHost) with the package as
/// its script root, so host.json, worker.config.json and the self-contained executable are the package's own; app
/// settings as environment variables, with its own container, queue and host id (<see cref="HostedApp.DefaultSettings"/>)
/// and a Cloudinary stand-in.
/// </summary>
public sealed class PackagedApp : IAsyncDisposable
{
    private readonly TestProcess _host;
    private readonly ServiceProvider _services;

    private PackagedApp(TestProcess host, Uri baseAddress, CloudinaryStandIn cloudinary, int workerProcessId, IReadOnlyDictionary<string, string?> settings)
    {
        _host = host;
        BaseAddress = baseAddress;
        Cloudinary = cloudinary;
        WorkerProcessId = workerProcessId;
        _services = HostedApp.CoreServicesFor(settings);
    }

    public Uri BaseAddress { get; }

    public CloudinaryStandIn Cloudinary { get; }

    /// <summary>The worker the host started from the package's worker.config.json.</summary>
    public int WorkerProcessId { get; }

    /// <summary>Everything the host and its worker printed so far.</summary>
    public string Output => _host.Output;

    /// <summary>Checkup.Core's services on the app's settings: for reading what the app stored.</summary>
    public IServiceProvider Services => _services;

    public static async Task<PackagedApp> StartAsync(string scriptRoot, string hostAssembly)
    {
        var cloudinary = await CloudinaryStandIn.StartAsync();
        var settings = HostedApp.DefaultSettings();
        settings["CLOUDINARY_URL"] = cloudinary.CloudinaryUrl;
        settings["Cloudinary__ApiBaseUrl"] = cloudinary.BaseUrl.ToString();
        settings["Cloudinary__Timeout"] = "00:00:30"; // a loaded CI machine must not turn a good push into a timeout
        settings["ASPNETCORE_URLS"] = null;
        settings["ASPNETCORE_ENVIRONMENT"] = null;
        settings["DOTNET_ENVIRONMENT"] = null;

        var host = TestProcess.Start(Dotnet, [hostAssembly, "--script-root", scriptRoot, "--port", "0"], settings);
        try
        {
            var listening = await host.WaitForLineAsync(HostLines.Listening(), TimeSpan.FromSeconds(120));
            var worker = await host.WaitForLineAsync(HostLines.WorkerStarted(), TimeSpan.FromSeconds(180));
            await host.WaitForLineAsync(HostLines.Functions(), TimeSpan.FromSeconds(180));
            var baseAddress = new Uri(listening.Groups[1].Value.Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
            return new PackagedApp(host, baseAddress, cloudinary, int.Parse(worker.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), settings);
        }
        catch
        {
            await host.DisposeAsync();
            await cloudinary.DisposeAsync();
            throw;
        }
    }

    private static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(100) };

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(20));
        }
        catch (OperationCanceledException)
        {
            // it did not stop in time: disposal kills it
        }

        await _host.DisposeAsync();
        await _services.DisposeAsync();
        await Cloudinary.DisposeAsync();
    }
}
