using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Checkup.Tests.Infrastructure;
using Json.Schema;

namespace Checkup.Tests.Infra;

/// <summary>
/// azd's published schema for azure.yaml, plus the one check it leaves to azd: the schema lists the hosts only as
/// <c>examples</c> (extensions register more), and azd accepts any host when it loads the file and fails only when it
/// deploys. Checkup uses built-in hosts only, so a host the schema does not list is refused here.
/// </summary>
public sealed partial class AzureYamlValidator
{
    public static string SchemaPath => Path.Combine(TestEnvironment.RepositoryRoot, "infra", "schemas", "azure.yaml.json");

    public static AzureYamlValidator Instance { get; } = new();

    private readonly JsonSchema _schema;
    private readonly HashSet<string> _hosts;

    private AzureYamlValidator()
    {
        var text = File.ReadAllText(SchemaPath);
        // The schemas of azd's AI extensions, referenced by URL for the hosts Checkup does not use, are not copied: they
        // stand in as `false`, so a service that would need one is refused rather than fetched from the network.
        var registry = new SchemaRegistry();
        var options = new BuildOptions { SchemaRegistry = registry };
        foreach (var url in RemoteReference().Matches(text).Select(m => m.Groups[1].Value).Distinct())
        {
            registry.Register(new Uri(url), JsonSchema.FromText("false", options, new Uri(url)));
        }

        _schema = JsonSchema.FromText(text, options);
        var hosts = JsonNode.Parse(text)!["properties"]!["services"]!["additionalProperties"]!["properties"]!["host"]!["examples"]!;
        _hosts = hosts.AsArray().Select(h => (string)h!).Where(h => !h.StartsWith("azure.ai.", StringComparison.Ordinal) && h != "microsoft.foundry").ToHashSet();
    }

    /// <summary>What is wrong with the file, as "location: message" lines; empty when azd would take it.</summary>
    public IReadOnlyList<string> Problems(string yaml)
    {
        var document = Yaml.ToJson(yaml);
        using var json = JsonDocument.Parse(document?.ToJsonString() ?? "null");
        var result = _schema.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var problems = new List<string>();
        if (!result.IsValid)
        {
            problems.AddRange((result.Details ?? []).Where(d => !d.IsValid && d.Errors is not null)
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value} (schema {d.EvaluationPath})")));
            if (problems.Count == 0)
            {
                problems.Add("azure.yaml does not match the schema");
            }
        }

        foreach (var (name, service) in document?["services"]?.AsObject() ?? [])
        {
            if (service?["host"] is JsonValue host && host.TryGetValue<string>(out var value) && !_hosts.Contains(value))
            {
                problems.Add($"/services/{name}/host: '{value}' is not one of azd's built-in hosts ({string.Join(", ", _hosts.Order())})");
            }
        }

        return problems;
    }

    [GeneratedRegex("\"\\$ref\":\\s*\"(https?://[^\"#]+)")]
    private static partial Regex RemoteReference();
}
