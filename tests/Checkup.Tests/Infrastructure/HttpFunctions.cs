using System.Text.Json;
using Checkup.Functions.Worker;

namespace Checkup.Tests.Infrastructure;

/// <summary>
/// An HTTP function of the build, as a client reaches it: method, "/api/..." route, what it requires, and the media types
/// of the body it reads (as it declares them for the document, so a new function with a body is attacked with one).
/// </summary>
public sealed record HttpFunction(string Name, string Method, string Pattern, Access Access, IReadOnlyList<string> Accepts)
{
    public string Key => $"{Method} {Pattern}";
    public bool AllowsAnonymous => Access == Access.Anonymous;
    public bool AdminOnly => Access == Access.Admin;

    /// <summary>The catch-all for what no other function takes (404/405 problems, CORS preflights): not an endpoint of the API itself.</summary>
    public bool IsFallback => Name == Checkup.Functions.Functions.UnroutedFunctions.Name;
}

public static class HttpFunctions
{
    /// <summary>Every HTTP function in the build's functions.metadata (the Worker SDK's list), with its policy attributes.</summary>
    public static IReadOnlyList<HttpFunction> All()
    {
        var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(HostedApp.WorkerRoot, "functions.metadata"))).RootElement;
        var functions = new List<HttpFunction>();
        foreach (var function in metadata.EnumerateArray())
        {
            var trigger = function.GetProperty("bindings").EnumerateArray().FirstOrDefault(b => b.GetProperty("type").GetString() == "httpTrigger");
            if (trigger.ValueKind == JsonValueKind.Undefined)
            {
                continue;
            }

            var name = function.GetProperty("name").GetString()!;
            var declared = FunctionCatalogue.Named(name);
            IReadOnlyList<string> accepts = declared.Body is { } body ? [body.MediaType] : [];
            foreach (var method in trigger.GetProperty("methods").EnumerateArray())
            {
                functions.Add(new HttpFunction(name, method.GetString()!.ToUpperInvariant(), "/api/" + trigger.GetProperty("route").GetString()!.Trim('/'), declared.Policy.Access, accepts));
            }
        }

        return functions.OrderBy(f => f.Key, StringComparer.Ordinal).ToList();
    }
}
