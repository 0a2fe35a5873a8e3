using System.Collections.Concurrent;

namespace Checkup.Chaos;

/// <summary>Thread-safe counts by name ("POST /api/images 201", "draft 412 re-read", ...) and the run's notable events.</summary>
public sealed class Tally
{
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private readonly ConcurrentQueue<string> _problems = new();

    public void Add(string name, int by = 1) => _counts.AddOrUpdate(name, by, (_, n) => n + by);

    public int this[string name] => _counts.TryGetValue(name, out var n) ? n : 0;

    public IReadOnlyDictionary<string, int> Counts => new SortedDictionary<string, int>(_counts, StringComparer.Ordinal);

    /// <summary>Something a client met that a correct system never answers (kept for the report).</summary>
    public void Problem(string text) => _problems.Enqueue(text);

    public IReadOnlyList<string> Problems => _problems.ToArray();

    private readonly ConcurrentQueue<(DateTime At, string What)> _hostFailures = new();

    /// <summary>
    /// A bare 500 (no body) from the Functions host: the invocation failed outside the app, as when its worker dies
    /// mid-request. Kept with its time, to check that each one came while a fault was striking.
    /// </summary>
    public void HostFailure(string what) => _hostFailures.Enqueue((DateTime.UtcNow, what));

    public IReadOnlyList<(DateTime At, string What)> HostFailures => _hostFailures.ToArray();
}
