using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace FunctionsHost.Configuration;

/// <summary>host.json extensions.queues, with the Azure host's defaults.</summary>
internal sealed record QueueOptions(
    int BatchSize,
    int NewBatchThreshold,
    TimeSpan MaxPollingInterval,
    TimeSpan VisibilityTimeout,
    int MaxDequeueCount,
    bool Base64)
{
    public static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(100);
}

/// <summary>The parts of host.json this host honours; see README.md for the rest.</summary>
internal sealed record HostJson(
    string RoutePrefix,
    TimeSpan? FunctionTimeout,
    QueueOptions Queues,
    IConfigurationSection Logging)
{
    /// <summary>The Azure host's default on a dedicated plan (and under Core Tools): 30 minutes.</summary>
    public static readonly TimeSpan DefaultFunctionTimeout = TimeSpan.FromMinutes(30);

    public const string OverridePrefix = "AzureFunctionsJobHost:";

    /// <summary>host.json, with app settings named <c>AzureFunctionsJobHost__path__to__key</c> overriding its values, as on Azure.</summary>
    public static HostJson Load(string scriptRoot, AppSettings settings)
    {
        var path = Path.Combine(scriptRoot, "host.json");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: the script root must be an isolated worker's build output (host.json, functions.metadata, worker.config.json).");
        }
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(path, optional: false)
            .AddInMemoryCollection(settings.Overrides(OverridePrefix))
            .Build();

        var routePrefix = configuration["extensions:http:routePrefix"] ?? "api";
        var timeoutText = configuration["functionTimeout"];
        TimeSpan? timeout = timeoutText switch
        {
            null => DefaultFunctionTimeout,
            "-1" => null,
            _ => ParseTimeSpan(timeoutText, "functionTimeout"),
        };

        var queues = configuration.GetSection("extensions:queues");
        var batchSize = ParseInt(queues["batchSize"], 16, "extensions.queues.batchSize");
        if (batchSize is < 1 or > 32)
        {
            throw new InvalidOperationException($"host.json extensions.queues.batchSize is {batchSize}: it must be 1 to 32 (a storage queue hands out at most 32 messages at once).");
        }
        var encoding = queues["messageEncoding"] ?? "base64";
        if (!encoding.Equals("base64", StringComparison.OrdinalIgnoreCase) && !encoding.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"host.json extensions.queues.messageEncoding is '{encoding}': it must be 'base64' or 'none'.");
        }
        var queueOptions = new QueueOptions(
            batchSize,
            ParseInt(queues["newBatchThreshold"], batchSize / 2 * Environment.ProcessorCount, "extensions.queues.newBatchThreshold"),
            queues["maxPollingInterval"] is { } max ? ParseTimeSpan(max, "extensions.queues.maxPollingInterval") : TimeSpan.FromMinutes(1),
            queues["visibilityTimeout"] is { } visibility ? ParseTimeSpan(visibility, "extensions.queues.visibilityTimeout") : TimeSpan.Zero,
            ParseInt(queues["maxDequeueCount"], 5, "extensions.queues.maxDequeueCount"),
            encoding.Equals("base64", StringComparison.OrdinalIgnoreCase));

        return new HostJson(routePrefix.Trim('/'), timeout, queueOptions, configuration.GetSection("logging"));
    }

    private static TimeSpan ParseTimeSpan(string text, string name) =>
        TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) && value >= TimeSpan.Zero
            ? value
            : throw new InvalidOperationException($"host.json {name} is '{text}': it must be a time span like 00:05:00.");

    private static int ParseInt(string? text, int fallback, string name) =>
        text is null ? fallback
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value
        : throw new InvalidOperationException($"host.json {name} is '{text}': it must be a whole number.");
}

/// <summary>worker.config.json as the Worker SDK writes it.</summary>
internal sealed record WorkerConfig(string ExecutablePath, IReadOnlyList<string> Arguments, string WorkerPath, IReadOnlyList<string> WorkerArguments)
{
    public static WorkerConfig Load(string scriptRoot)
    {
        var path = Path.Combine(scriptRoot, "worker.config.json");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: build the worker with Microsoft.Azure.Functions.Worker.Sdk, which writes it.");
        }
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var description = document.RootElement.GetProperty("description");
        var executable = description.TryGetProperty("defaultExecutablePath", out var e) ? e.GetString() : null;
        var worker = description.TryGetProperty("defaultWorkerPath", out var w) ? w.GetString() : null;
        if (string.IsNullOrWhiteSpace(executable))
        {
            throw new InvalidOperationException($"{path} has no description.defaultExecutablePath.");
        }
        return new WorkerConfig(
            executable,
            Strings(description, "arguments"),
            worker ?? "",
            Strings(description, "workerArguments"));
    }

    private static string[] Strings(JsonElement element, string name) =>
        element.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Select(a => a.GetString() ?? "").Where(a => a.Length > 0).ToArray()
            : [];
}
