using System.Text.Json;
using System.Text.RegularExpressions;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Infra;

/// <summary>infra/main.bicep built and linted once by infra/bicep.sh, as CI and a deploying operator do.</summary>
public sealed partial class CompiledTemplate : IAsyncLifetime
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "checkup-bicep-" + Guid.NewGuid().ToString("N")[..12]);

    private JsonElement _template;
    private JsonElement _parameters;
    private string _text = "";

    public ScriptResult Run { get; private set; } = null!;

    /// <summary>The compiled ARM template; a failed build fails every test that reads it, with the script's output.</summary>
    public JsonElement Template => Built(_template);

    public string Text => Built(_text);

    /// <summary>main.bicepparam compiled (build-params) under bicep.sh's placeholder environment: the values it gives.</summary>
    public JsonElement Parameters => Built(_parameters);

    public async Task InitializeAsync()
    {
        Run = await Scripts.RunAsync("infra/bicep.sh", "--out", _out);
        var file = Path.Combine(_out, "main.json");
        if (File.Exists(file))
        {
            _text = await File.ReadAllTextAsync(file);
            _template = JsonDocument.Parse(_text).RootElement;
        }

        var parameters = Path.Combine(_out, "main.parameters.json");
        if (File.Exists(parameters))
        {
            _parameters = JsonDocument.Parse(await File.ReadAllTextAsync(parameters)).RootElement.GetProperty("parameters");
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

    private T Built<T>(T value) =>
        Run.ExitCode == 0 && _text.Length > 0 ? value : throw new InvalidOperationException("infra/bicep.sh failed:\n" + Run.Output);

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

    /// <summary>A property value resolved where it is a literal or a plain variable: <c>[variables('uploadQueueName')]</c> -> <c>image-uploads</c>.</summary>
    public string Evaluate(string value) => PlainVariable().Match(value) is { Success: true } variable ? Variable(variable.Groups[1].Value) : value;

    [GeneratedRegex(@"^\[variables\('(\w+)'\)\]$")]
    private static partial Regex PlainVariable();

    [GeneratedRegex(@",\s*(?:variables\('(?<variable>\w+)'\)|'(?<literal>[^']*)')\)\]$")]
    private static partial Regex LastFormatArgument();
}
