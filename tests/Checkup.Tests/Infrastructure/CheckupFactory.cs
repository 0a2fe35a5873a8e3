using Checkup.Core;
using Checkup.Core.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Checkup.Tests.Infrastructure;

/// <summary>
/// The app on the real PostgreSQL and Azurite, with its own staging container and queues (unique names), so
/// tests never see each other's blobs or messages. Settings can be overridden (null removes one).
/// </summary>
public class CheckupFactory : WebApplicationFactory<Program>
{
    public const string SigningKey = "checkup-tests-signing-key-0123456789abcdef";
    public const string Issuer = "checkup-tests";
    public const string Audience = "checkup-api";

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _waitForStartupTasks;

    /// <param name="waitForStartupTasks">
    /// Creating the client returns once migrations and storage creation have ended, as tests expect to find them done
    /// (the server itself starts beside them); false for tests of the start itself.
    /// </param>
    public CheckupFactory(IDictionary<string, string?>? overrides = null, bool waitForStartupTasks = true)
    {
        _waitForStartupTasks = waitForStartupTasks;
        var suffix = Guid.NewGuid().ToString("N")[..12];
        StagingContainer = "staging-" + suffix;
        UploadQueue = "uploads-" + suffix;
        _settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = TestEnvironment.Postgres,
            ["AzureWebJobsStorage"] = TestEnvironment.Storage,
            ["Storage:StagingContainer"] = StagingContainer,
            ["Storage:UploadQueue"] = UploadQueue,
            ["CLOUDINARY_URL"] = "cloudinary://test-key:test-secret@checkup-test",
            ["Auth:SigningKey"] = SigningKey,
            ["Auth:Issuer"] = Issuer,
            ["Auth:Audience"] = Audience,
            ["Auth:Authority"] = null,
            ["Cors:AllowedOrigins"] = "http://frontend.test",
            ["Triggers:Standalone"] = "false",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string StagingContainer { get; }
    public string UploadQueue { get; }

    public AuthOptions Auth => new() { SigningKey = SigningKey, Issuer = Issuer, Audience = Audience };

    /// <summary>A client that carries a token for <paramref name="sub"/>.</summary>
    public HttpClient ClientFor(string sub, bool admin = false)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", DevTokens.Mint(Auth, sub, admin, TimeSpan.FromHours(1)));
        return client;
    }

    /// <summary>
    /// Starts the app on real Kestrel on a free loopback port, for what the test server does not do (raw sockets,
    /// malformed HTTP, header validation, a browser), and returns its address.
    /// </summary>
    public Uri StartOnKestrel()
    {
        UseKestrel(0);
        StartServer();
        return new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        if (_waitForStartupTasks)
        {
            host.Services.GetRequiredService<StartupTasks>().Completion.GetAwaiter().GetResult();
        }

        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(_settings));
        // Host settings are also visible while Program.cs still builds (settings read before Build(), e.g. telemetry).
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}

public static class Users
{
    /// <summary>A user id no other test uses.</summary>
    public static string New(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}";
}
