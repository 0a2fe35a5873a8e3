using System.Text.Json;
using System.Text.RegularExpressions;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Infra;

/// <summary>infra/main.bicep built and linted once by infra/bicep.sh, as CI and a deploying operator do.</summary>
public sealed partial class CompiledTemplate : IAsyncLifetime
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "checkup-bicep-" + Guid.NewGuid().ToString("N")[..12]);

    public ScriptResult Run { get; private set; } = null!;
    public JsonElement Template { get; private set; }
    public string Text { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Run = await Scripts.RunAsync("infra/bicep.sh", "--out", _out);
        var file = Path.Combine(_out, "main.json");
        if (File.Exists(file))
        {
            Text = await File.ReadAllTextAsync(file);
            Template = JsonDocument.Parse(Text).RootElement;
        }
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }

        return Task.CompletedTask;
    }

    public IEnumerable<JsonElement> Resources(string type) =>
        Template.GetProperty("resources").EnumerateArray().Where(r => r.GetProperty("type").GetString() == type);

    public JsonElement Resource(string type) => Assert.Single(Resources(type));

    /// <summary>
    /// The last segment of a resource's name, resolved where it is a literal or a plain variable:
    /// <c>[format('{0}/{1}/{2}', variables('names').storage, 'default', variables('uploadQueueName'))]</c> -> <c>image-uploads</c>.
    /// </summary>
    public string LeafName(JsonElement resource)
    {
        var name = resource.GetProperty("name").GetString()!;
        var last = LastFormatArgument().Match(name);
        if (!last.Success)
        {
            return name;
        }

        return last.Groups["variable"].Success ? Variable(last.Groups["variable"].Value) : last.Groups["literal"].Value;
    }

    public string Variable(string name) => Template.GetProperty("variables").GetProperty(name).GetString()!;

    [GeneratedRegex(@",\s*(?:variables\('(?<variable>\w+)'\)|'(?<literal>[^']*)')\)\]$")]
    private static partial Regex LastFormatArgument();
}
