using Checkup.Core.Auth;
using Checkup.Core.People;

namespace Checkup.Tests.Infrastructure;

/// <summary>
/// The app under test: the worker build under the local Functions host (<see cref="HostedApp"/>), on the real PostgreSQL
/// and Azurite, with its own staging container and queues (unique names), so tests never see each other's blobs or
/// messages. Settings can be overridden (null removes one). It starts on first use, as a test server would.
/// </summary>
public class CheckupFactory : IAsyncDisposable, IDisposable
{
    public const string SigningKey = "checkup-tests-signing-key-0123456789abcdef";
    public const string Issuer = "checkup-tests";
    public const string Audience = "checkup-api";

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _waitForStartupTasks;
    private readonly Lazy<Task<HostedApp>> _app;

    /// <param name="waitForStartupTasks">
    /// The first client is handed out once migrations and storage creation have ended, as tests expect to find them done
    /// (the server itself starts beside them); false for tests of the start itself.
    /// </param>
    public CheckupFactory(IDictionary<string, string?>? overrides = null, bool waitForStartupTasks = true)
    {
        _waitForStartupTasks = waitForStartupTasks;
        _settings = HostedApp.DefaultSettings();
        // What a test uploads stays where the upload left it: no queue listener pushes it on (or changes its row) in the
        // background. Tests of the pipeline deliver messages themselves; the few that want the host's listener set null.
        _settings["AzureWebJobs.ProcessImage.Disabled"] = "true";
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            _settings[HostedApp.SettingName(key)] = value;
        }

        StagingContainer = _settings["Storage__StagingContainer"]!;
        UploadQueue = _settings["Storage__UploadQueue"]!;
        _app = new Lazy<Task<HostedApp>>(() => HostedApp.StartAsync(_settings, _waitForStartupTasks));
    }

    public string StagingContainer { get; }
    public string UploadQueue { get; }

    public AuthOptions Auth => HostedApp.Auth;

    /// <summary>The running app (started now if it was not).</summary>
    public HostedApp App => _app.Value.GetAwaiter().GetResult();

    public Task<HostedApp> StartAsync() => _app.Value;

    /// <summary>Checkup.Core's services on the app's settings, for reading what it stored.</summary>
    public IServiceProvider Services => App.Services;

    public HttpClient CreateClient() => App.CreateClient();

    /// <summary>A client that carries a token for <paramref name="sub"/>.</summary>
    public HttpClient ClientFor(string sub, bool admin = false) => App.ClientFor(sub, admin);

    /// <summary>The app's address: the Functions host's own socket (Kestrel), for raw sockets, malformed HTTP or a browser.</summary>
    public Uri StartOnKestrel() => App.BaseAddress;

    public async ValueTask DisposeAsync()
    {
        if (_app.IsValueCreated)
        {
            try
            {
                await (await _app.Value).DisposeAsync();
            }
            catch (Exception) when (_app.Value.IsFaulted)
            {
                // it never started; the test saw why
            }
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>xunit disposes class fixtures only through IDisposable (or IAsyncLifetime), never IAsyncDisposable.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}

public static class Users
{
    /// <summary>A user id no other test uses.</summary>
    public static string New(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>A user id no other test uses, as long as a 'sub' may be: <see cref="PersonId.MaxUtf8Bytes"/> UTF-8 bytes, two-byte characters included.</summary>
    public static string Longest()
    {
        var unique = Guid.NewGuid().ToString("N") + "x";
        return unique + new string('é', (PersonId.MaxUtf8Bytes - unique.Length) / 2);
    }
}
