using System.Text.Json;
using Microsoft.Azure.WebJobs.Script.Grpc.Messages;

namespace FunctionsHost.Invocations;

/// <summary>One function as the worker indexed it: its id (chosen by the worker) and its trigger binding.</summary>
internal sealed class FunctionDescriptor
{
    private readonly Dictionary<string, JsonElement> _trigger;

    private FunctionDescriptor(RpcFunctionMetadata metadata, Dictionary<string, JsonElement> trigger)
    {
        Metadata = metadata;
        _trigger = trigger;
    }

    public RpcFunctionMetadata Metadata { get; }

    public string Name => Metadata.Name;

    public string Id => Metadata.FunctionId;

    /// <summary>httpTrigger, queueTrigger, timerTrigger, or a type this host does not serve.</summary>
    public string TriggerType => String("type") ?? "";

    /// <summary>The trigger parameter's name, the key of its input_data in an invocation.</summary>
    public string TriggerName => String("name") ?? "";

    public string? String(string property) =>
        _trigger.TryGetValue(property, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;

    public bool? Boolean(string property) =>
        _trigger.TryGetValue(property, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String => bool.TryParse(value.GetString(), out var parsed) ? parsed : null,
                _ => null,
            }
            : null;

    public IReadOnlyList<string> Strings(string property) =>
        _trigger.TryGetValue(property, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(v => v.GetString() ?? "").ToArray()
            : [];

    /// <summary>A property of the binding's "properties" bag, such as supportsDeferredBinding.</summary>
    public string? BindingProperty(string name)
    {
        if (!_trigger.TryGetValue("properties", out var bag) || bag.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var property in bag.EnumerateObject())
        {
            if (property.NameEquals(name) || string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            }
        }
        return null;
    }

    public static FunctionDescriptor From(RpcFunctionMetadata metadata)
    {
        foreach (var raw in metadata.RawBindings)
        {
            using var document = JsonDocument.Parse(raw);
            var binding = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                binding[property.Name] = property.Value.Clone();
            }
            var type = binding.TryGetValue("type", out var t) ? t.GetString() : null;
            var direction = binding.TryGetValue("direction", out var d) ? d.GetString() : "in";
            if (type is not null && type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase)
                && string.Equals(direction, "in", StringComparison.OrdinalIgnoreCase))
            {
                return new FunctionDescriptor(metadata, binding);
            }
        }
        throw new InvalidOperationException($"Function '{metadata.Name}' declares no trigger binding.");
    }
}
