using System.Globalization;

namespace Checkup.Chaos;

/// <summary>What one fault run does: the load, the faults, and where it finds the Functions host, the worker and Azurite.</summary>
public sealed record ChaosSettings
{
    public string Name { get; init; } = "full";
    public int Uploads { get; init; } = 300;
    public int Users { get; init; } = 30;
    /// <summary>SIGKILLs of the worker (the host starts a new one).</summary>
    public int Kills { get; init; } = 3;

    /// <summary>SIGKILLs of the whole Functions host (a new host is started, as a platform replaces a crashed instance).</summary>
    public int HostKills { get; init; } = 1;
    public int AzuriteRestarts { get; init; } = 1;

    /// <summary>Share of Cloudinary upload calls that fail (5xx, 420/429, timeouts, dropped connections).</summary>
    public double FailureRate { get; init; } = 0.3;
    public int Seed { get; init; } = 20261122;

    /// <summary>How long the system may take to settle once the clients are done (a bound, not a target).</summary>
    public TimeSpan ConvergeWithin { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>tools/FunctionsHost's built FunctionsHost.dll (Release).</summary>
    public string HostDll { get; init; } = "";

    /// <summary>The worker's build output (Release): Checkup.Functions.dll, host.json, functions.metadata, worker.config.json.</summary>
    public string WorkerDir { get; init; } = "";

    /// <summary>tools/azurite/node_modules/.bin/azurite.</summary>
    public string Azurite { get; init; } = "";

    /// <summary>Folder for this run's Azurite data, the host's and worker's logs and summary.txt.</summary>
    public string StateDir { get; init; } = "";

    /// <summary>Keep the run's database afterwards (it is kept anyway when a check fails).</summary>
    public bool KeepDatabase { get; init; }

    public static ChaosSettings Short => new()
    {
        Name = "short", Uploads = 40, Users = 5, Kills = 1, HostKills = 1, AzuriteRestarts = 1, ConvergeWithin = TimeSpan.FromMinutes(2),
    };

    public const string Usage = """
        usage: Checkup.Chaos [full|short] --host PATH/FunctionsHost.dll --worker WORKER_BUILD_DIR --azurite PATH/azurite --state DIR
                             [--uploads N] [--users N] [--kills N] [--host-kills N] [--azurite-restarts N] [--failure-rate 0.3]
                             [--seed N] [--converge-within-seconds N] [--keep-database true]
        full:  300 uploads by 30 users, 3 SIGKILLs of the worker, 1 of the host, 1 Azurite restart, 30 % Cloudinary failures
        short: 40 uploads by 5 users, 1 SIGKILL of the worker, 1 of the host, 1 Azurite restart (what CI runs)
        """;

    public static ChaosSettings Parse(string[] args)
    {
        var rest = args.AsSpan();
        var settings = new ChaosSettings();
        if (rest.Length > 0 && !rest[0].StartsWith("--", StringComparison.Ordinal))
        {
            settings = rest[0] switch
            {
                "full" => settings,
                "short" => Short,
                var other => throw new ArgumentException($"unknown preset '{other}' (full or short)"),
            };
            rest = rest[1..];
        }

        for (var i = 0; i < rest.Length; i += 2)
        {
            if (i + 1 >= rest.Length)
            {
                throw new ArgumentException($"{rest[i]} needs a value");
            }

            var value = rest[i + 1];
            settings = rest[i] switch
            {
                "--uploads" => settings with { Uploads = Int(value) },
                "--users" => settings with { Users = Int(value) },
                "--kills" => settings with { Kills = Int(value) },
                "--host-kills" => settings with { HostKills = Int(value) },
                "--azurite-restarts" => settings with { AzuriteRestarts = Int(value) },
                "--failure-rate" => settings with { FailureRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--seed" => settings with { Seed = Int(value) },
                "--converge-within-seconds" => settings with { ConvergeWithin = TimeSpan.FromSeconds(Int(value)) },
                "--host" => settings with { HostDll = Path.GetFullPath(value) },
                "--worker" => settings with { WorkerDir = Path.GetFullPath(value) },
                "--azurite" => settings with { Azurite = Path.GetFullPath(value) },
                "--state" => settings with { StateDir = Path.GetFullPath(value) },
                "--keep-database" => settings with { KeepDatabase = bool.Parse(value) },
                var unknown => throw new ArgumentException($"unknown option {unknown}"),
            };
        }

        if (settings.Users < 1 || settings.Uploads < 3 * settings.Users)
        {
            throw new ArgumentException("--uploads must be at least 3 x --users (every user submits three projects with an image each)");
        }

        if (!File.Exists(settings.HostDll) || !File.Exists(Path.Combine(settings.WorkerDir, "functions.metadata")) ||
            !File.Exists(settings.Azurite) || settings.StateDir.Length == 0)
        {
            throw new ArgumentException("--host (an existing FunctionsHost.dll), --worker (a worker build output with functions.metadata), " +
                                        "--azurite (an existing azurite) and --state are required");
        }

        return settings;
    }

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);
}
