namespace FunctionsHost.Configuration;

/// <summary>Everything read from the script root at start, shared by the host's parts.</summary>
internal sealed record ScriptHost(
    string ScriptRoot,
    AppSettings Settings,
    HostJson HostJson,
    WorkerConfig WorkerConfig)
{
    /// <summary>
    /// Names this app's locks and timer status in storage (AzureFunctionsWebHost:hostid, as the Azure host);
    /// by default the machine name, so every host of the same app on a machine shares them.
    /// </summary>
    public string HostId
    {
        get
        {
            var id = Settings["AzureFunctionsWebHost:hostid"] ?? Environment.MachineName;
            var clean = new string(id.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c) || c == '-').ToArray()).Trim('-');
            return clean.Length > 32 ? clean[..32] : clean.Length == 0 ? "functionshost" : clean;
        }
    }

    /// <summary>
    /// How long a dequeued message stays invisible before the host renews it (at half of it). The Azure host uses
    /// 10 minutes; FunctionsHost:QueueMessageLease shortens it, e.g. for tests of the renewal.
    /// </summary>
    public TimeSpan QueueMessageLease =>
        Settings["FunctionsHost:QueueMessageLease"] is { } text && TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var lease) && lease >= TimeSpan.FromSeconds(2)
            ? lease
            : TimeSpan.FromMinutes(10);

    /// <summary>How often a host that does not hold a timer's lock tries to take it (the Azure host: 1 minute).</summary>
    public TimeSpan ListenerLockRecoveryInterval =>
        Settings["FunctionsHost:ListenerLockRecoveryInterval"] is { } text && TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero
            ? interval
            : TimeSpan.FromMinutes(1);

    public string StorageConnection(string? connectionName)
    {
        var name = string.IsNullOrEmpty(connectionName) ? "AzureWebJobsStorage" : connectionName;
        return Settings[name] ?? Settings["AzureWebJobs" + name]
            ?? throw new InvalidOperationException($"The storage connection '{name}' is not set: give the app setting '{name}' a connection string (UseDevelopmentStorage=true for Azurite on its default ports).");
    }

    public static ScriptHost Load(string scriptRoot)
    {
        var root = Path.GetFullPath(scriptRoot);
        if (!Directory.Exists(root))
        {
            throw new InvalidOperationException($"The script root {root} does not exist.");
        }
        if (!File.Exists(Path.Combine(root, "functions.metadata")))
        {
            throw new InvalidOperationException($"{root} has no functions.metadata: point --script-root at an isolated worker's build output (bin/<configuration>/<framework>).");
        }
        var settings = AppSettings.Load(root);
        return new ScriptHost(root, settings, HostJson.Load(root, settings), WorkerConfig.Load(root));
    }
}

/// <summary>The ports Kestrel bound, known only once it has started (both may be chosen by the system).</summary>
internal sealed class ServerPorts
{
    private readonly TaskCompletionSource<Uri> _grpc = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Uri> Grpc => _grpc.Task;

    public Uri? Public { get; private set; }

    public void Bound(Uri grpc, Uri publicUri)
    {
        Public = publicUri;
        _grpc.TrySetResult(grpc);
    }
}
