using System.Globalization;

namespace Checkup.Chaos;

/// <summary>What one fault run does: the load, the faults, and where it finds the handler and Azurite.</summary>
public sealed record ChaosSettings
{
    public string Name { get; init; } = "full";
    public int Uploads { get; init; } = 300;
    public int Users { get; init; } = 30;
    public int Kills { get; init; } = 3;
    public int AzuriteRestarts { get; init; } = 1;

    /// <summary>Share of Cloudinary upload calls that fail (5xx, 420/429, timeouts, dropped connections).</summary>
    public double FailureRate { get; init; } = 0.3;
    public int Seed { get; init; } = 20261122;

    /// <summary>How long the system may take to settle once the clients are done (a bound, not a target).</summary>
    public TimeSpan ConvergeWithin { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The handler's built Checkup.Functions.dll (Release).</summary>
    public string HandlerDll { get; init; } = "";

    /// <summary>tools/azurite/node_modules/.bin/azurite.</summary>
    public string Azurite { get; init; } = "";

    /// <summary>Folder for this run's Azurite data, the handler's logs and summary.json.</summary>
    public string StateDir { get; init; } = "";

    /// <summary>Keep the run's database afterwards (it is kept anyway when a check fails).</summary>
    public bool KeepDatabase { get; init; }

    public static ChaosSettings Short => new()
    {
        Name = "short", Uploads = 40, Users = 5, Kills = 1, AzuriteRestarts = 1, ConvergeWithin = TimeSpan.FromMinutes(2),
    };

    public const string Usage = """
        usage: Checkup.Chaos [full|short] --handler PATH/Checkup.Functions.dll --azurite PATH/azurite --state DIR
                             [--uploads N] [--users N] [--kills N] [--azurite-restarts N] [--failure-rate 0.3]
                             [--seed N] [--converge-within-seconds N] [--keep-database true]
        full:  300 uploads by 30 users, 3 SIGKILLs of the handler, 1 Azurite restart, 30 % Cloudinary failures
        short: 40 uploads by 5 users, 1 SIGKILL, 1 Azurite restart (what CI runs)
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
                "--azurite-restarts" => settings with { AzuriteRestarts = Int(value) },
                "--failure-rate" => settings with { FailureRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--seed" => settings with { Seed = Int(value) },
                "--converge-within-seconds" => settings with { ConvergeWithin = TimeSpan.FromSeconds(Int(value)) },
                "--handler" => settings with { HandlerDll = Path.GetFullPath(value) },
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

        if (!File.Exists(settings.HandlerDll) || !File.Exists(settings.Azurite) || settings.StateDir.Length == 0)
        {
            throw new ArgumentException("--handler (an existing Checkup.Functions.dll), --azurite (an existing azurite) and --state are required");
        }

        return settings;
    }

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);
}
