using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Checkup.Functions.OpenApi;

/// <summary>
/// JSON schemas of the bodies, exported by System.Text.Json from the serializer options the functions write with, so
/// the property names and types are the wire's. Each record of the app's own becomes a component that others refer to.
/// </summary>
internal sealed class FunctionSchemas
{
    private readonly JsonSerializerOptions _options;
    private readonly SortedDictionary<string, JsonNode> _components = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string> _names = [];

    public FunctionSchemas(JsonSerializerOptions wire)
    {
        // Reading may accept numbers in strings (the web defaults); what the functions write and expect is numbers.
        _options = new JsonSerializerOptions(wire) { NumberHandling = JsonNumberHandling.Strict };
        _options.TypeInfoResolver ??= new DefaultJsonTypeInfoResolver();
        _options.MakeReadOnly();
    }

    public IReadOnlyDictionary<string, JsonNode> Components => _components;

    /// <summary>A reference to <paramref name="type"/>'s component, exported on first use.</summary>
    public JsonObject Reference(Type type) => new() { ["$ref"] = "#/components/schemas/" + Component(type) };

    /// <summary>A reference to a component written by hand, added on first use.</summary>
    public JsonObject Reference(string name, Func<JsonNode> schema)
    {
        if (!_components.ContainsKey(name))
        {
            Add(name, schema());
        }

        return new JsonObject { ["$ref"] = "#/components/schemas/" + name };
    }

    /// <summary>Adds a component written by hand (the problem details, whose extension members have no .NET type).</summary>
    public void Add(string name, JsonNode schema) => _components[name] = schema;

    /// <summary>The inline schema of a type that is no record of ours (a string, a list).</summary>
    public JsonNode Inline(Type type) => Export(type, root: type);

    private string Component(Type type)
    {
        if (_names.TryGetValue(type, out var known))
        {
            return known;
        }

        var name = Name(type);
        _names[type] = name;
        _components[name] = new JsonObject(); // placeholder: a type that contains itself refers to it while it is exported
        _components[name] = Export(type, root: type);
        return name;
    }

    private JsonNode Export(Type type, Type root) => _options.GetJsonSchemaAsNode(type, new JsonSchemaExporterOptions
    {
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = (context, node) => Transform(context, node, root),
    });

    private JsonNode Transform(JsonSchemaExporterContext context, JsonNode node, Type root)
    {
        var type = context.TypeInfo.Type;
        if (type != root && OwnRecord(type))
        {
            // A record of the app's own nested in another: one component, referred to (nullable where the member is).
            var reference = Reference(type);
            return node is JsonObject schema && schema["type"] is JsonArray types && types.Any(t => t?.GetValue<string>() == "null")
                ? new JsonObject { ["anyOf"] = new JsonArray(reference, new JsonObject { ["type"] = "null" }) }
                : reference;
        }

        if (node is JsonObject number && Formats.TryGetValue(Nullable.GetUnderlyingType(type) ?? type, out var format))
        {
            number["format"] = format;
        }

        var description = context.PropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(DescriptionAttribute), inherit: true)
            .OfType<DescriptionAttribute>().FirstOrDefault()?.Description;
        if (description is not null && node is JsonObject described)
        {
            described["description"] = description;
        }

        return node;
    }

    private static readonly Dictionary<Type, string> Formats = new()
    {
        [typeof(int)] = "int32",
        [typeof(long)] = "int64",
        [typeof(double)] = "double",
    };

    /// <summary>Records and classes of Checkup's own assemblies (not strings, lists, dictionaries or framework types).</summary>
    private static bool OwnRecord(Type type) =>
        type is { IsClass: true, IsGenericType: false } && type.Namespace?.StartsWith("Checkup.", StringComparison.Ordinal) == true;

    /// <summary><c>Page&lt;AdminImageDto&gt;</c> is "PageOfAdminImageDto"; two types of one name are a mistake worth failing on.</summary>
    private string Name(Type type)
    {
        var name = type.IsGenericType
            ? type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] + "Of" + string.Concat(type.GetGenericArguments().Select(Name))
            : type.Name;
        if (_names.Any(n => n.Value == name && n.Key != type))
        {
            throw new InvalidOperationException($"Two body types are both named {name}: {type.FullName} and {_names.First(n => n.Value == name).Key.FullName}.");
        }

        return name;
    }

    /// <summary>The wire name of a property (camelCase, or its [JsonPropertyName]).</summary>
    public string WireName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? _options.PropertyNamingPolicy?.ConvertName(property.Name) ?? property.Name;
}
