namespace Checkup.Bench;

/// <summary><c>--name value</c> pairs; a repeated name collects all its values.</summary>
public sealed class Arguments
{
    private readonly Dictionary<string, List<string>> _values = [];

    public static Arguments Parse(string[] args)
    {
        var parsed = new Arguments();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"expected --name, got '{args[i]}'");
            }

            var name = args[i][2..];
            if (!parsed._values.TryGetValue(name, out var list))
            {
                parsed._values[name] = list = [];
            }

            list.Add(args[i + 1]);
        }

        return parsed;
    }

    public string Required(string name) =>
        _values.TryGetValue(name, out var v) ? v[^1] : throw new ArgumentException($"--{name} is required");

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v[^1], System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public string Text(string name, string fallback) => _values.TryGetValue(name, out var v) ? v[^1] : fallback;

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var v) ? v : [];
}
