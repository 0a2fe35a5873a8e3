using System.Diagnostics;

namespace Checkup.Chaos;

/// <summary>
/// When the faults strike: each SIGKILL of the worker or of the whole Functions host and each Azurite restart at a
/// random point of the clients' progress (kills between 10 % and 90 % of the uploads answered, restarts between 20 %
/// and 80 %), plus a random fraction of a second, so they land in uploads, pushes to Cloudinary, draft saves and
/// cleanup runs alike.
/// </summary>
public sealed class FaultPlan
{
    private readonly List<(double At, string Kind)> _faults = [];
    private readonly Random _random;
    private readonly List<string> _events = [];
    private readonly List<(DateTime From, DateTime To)> _kills = [];

    public FaultPlan(ChaosSettings settings, Random random)
    {
        _random = random;
        for (var i = 0; i < settings.Kills; i++)
        {
            _faults.Add((0.1 + 0.8 * random.NextDouble(), "kill"));
        }

        for (var i = 0; i < settings.HostKills; i++)
        {
            _faults.Add((0.1 + 0.8 * random.NextDouble(), "host"));
        }

        for (var i = 0; i < settings.AzuriteRestarts; i++)
        {
            _faults.Add((0.2 + 0.6 * random.NextDouble(), "azurite"));
        }

        _faults.Sort((a, b) => a.At.CompareTo(b.At));
    }

    public IReadOnlyList<string> Events => _events;

    /// <summary>From each kill of a worker or a host to its replacement being ready (UTC).</summary>
    public IReadOnlyList<(DateTime From, DateTime To)> Kills => _kills;

    /// <param name="progress">share of the uploads answered so far, 0..1.</param>
    /// <param name="clientsDone">completes when every client has finished; faults still due then strike at once.</param>
    public async Task RunAsync(Func<double> progress, Task clientsDone, FunctionsHostProcess host, OwnAzurite azurite, Stopwatch clock)
    {
        foreach (var (at, kind) in _faults)
        {
            while (progress() < at && !clientsDone.IsCompleted)
            {
                await Task.Delay(50);
            }

            await Task.Delay(_random.Next(0, 800));
            var started = clock.Elapsed;
            var from = DateTime.UtcNow;
            if (kind == "kill")
            {
                await host.KillWorkerAsync();
                _events.Add($"{started.TotalSeconds:0.0} s: worker SIGKILLed at {progress():P0} of the uploads, the host's new worker ready after {(clock.Elapsed - started).TotalSeconds:0.0} s");
            }
            else if (kind == "host")
            {
                await host.KillHostAsync();
                _events.Add($"{started.TotalSeconds:0.0} s: Functions host SIGKILLed at {progress():P0} of the uploads, a new host serving after {(clock.Elapsed - started).TotalSeconds:0.0} s");
            }

            if (kind is "kill" or "host")
            {
                _kills.Add((from, DateTime.UtcNow));
            }
            else
            {
                var outage = TimeSpan.FromMilliseconds(_random.Next(2000, 4000));
                var stopping = await azurite.RestartAsync(outage);
                _events.Add($"{started.TotalSeconds:0.0} s: Azurite stopped at {progress():P0} of the uploads (graceful stop {stopping.TotalSeconds:0.0} s, " +
                            $"then down {outage.TotalSeconds:0.0} s), serving again after {(clock.Elapsed - started).TotalSeconds:0.0} s");
            }
        }
    }
}
