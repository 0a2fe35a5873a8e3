using System.Collections;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FunctionsHost.Configuration;

/// <summary>
/// The app settings as <c>func start</c> sees them: local.settings.json <c>Values</c>, overlaid by the environment.
/// A name matches with ':' or '__' as its separator (environment variables cannot hold ':').
/// </summary>
internal sealed partial class AppSettings
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public AppSettings(IReadOnlyDictionary<string, string> localValues, IDictionary environment)
    {
        LocalValues = localValues;
        foreach (var (name, value) in localValues)
        {
            _values[Normalize(name)] = value;
        }
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && entry.Value is string value)
            {
                _values[Normalize(name)] = value;
            }
        }
    }

    /// <summary>The local.settings.json values, which the worker gets as environment variables where the environment has none.</summary>
    public IReadOnlyDictionary<string, string> LocalValues { get; }

    public string? this[string name] => _values.GetValueOrDefault(Normalize(name));

    /// <summary>Replaces each <c>%Name%</c> with the setting's value; a missing setting is an error that names it.</summary>
    public string Resolve(string expression) =>
        SettingExpression().Replace(expression, match =>
            this[match.Groups[1].Value] ?? throw new InvalidOperationException(
                $"'{expression}' names the app setting '{match.Groups[1].Value}', which is not set (local.settings.json Values or the environment)."));

    /// <summary>The settings under <paramref name="prefix"/> ("Section:"), as configuration keys without it.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Overrides(string prefix) =>
        _values.Where(v => v.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(v => KeyValuePair.Create(v.Key[prefix.Length..], (string?)v.Value));

    public bool IsFunctionDisabled(string functionName) =>
        string.Equals(this[$"AzureWebJobs.{functionName}.Disabled"], "true", StringComparison.OrdinalIgnoreCase)
        || this[$"AzureWebJobs.{functionName}.Disabled"] == "1";

    public static AppSettings Load(string scriptRoot)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var path = Path.Combine(scriptRoot, "local.settings.json");
        if (File.Exists(path))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions
            {
                AllowTrailingCommas = true,
                CommentHandling = JsonCommentHandling.Skip,
            });
            if (document.RootElement.TryGetProperty("Values", out var section) && section.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in section.EnumerateObject())
                {
                    values[property.Name] = property.Value.ValueKind == JsonValueKind.String
                        ? property.Value.GetString()!
                        : property.Value.GetRawText();
                }
            }
        }
        return new AppSettings(values, Environment.GetEnvironmentVariables());
    }

    private static string Normalize(string name) => name.Replace("__", ":", StringComparison.Ordinal);

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex SettingExpression();
}
