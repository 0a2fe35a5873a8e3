using System.Text.Json;
using Checkup.Functions.Worker;

namespace Checkup.Tests.Infrastructure;

/// <summary>An HTTP function of the build, as a client reaches it: method, "/api/..." route and what it requires.</summary>
public sealed record HttpFunction(string Name, string Method, string Pattern, Access Access, long? BodyLimit)
{
    public string Key => $"{Method} {Pattern}";
    public bool AllowsAnonymous => Access == Access.Anonymous;
    public bool AdminOnly => Access == Access.Admin;

    /// <summary>The catch-all for what no other function takes (404/405 problems, CORS preflights): not an endpoint of the API itself.</summary>
    public bool IsFallback => Name == Checkup.Functions.Functions.UnroutedFunctions.Name;

    /// <summary>
    /// The body it reads: JSON for the functions with a body limit (drafts, submit), multipart for the upload. Read from
    /// what the functions declare, so a new function with a body is attacked with one.
    /// </summary>
    public IReadOnlyList<string> Accepts => Name == "Images" ? ["multipart/form-data"] : BodyLimit is not null ? ["application/json"] : [];
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
            var policy = FunctionCatalogue.Named(name).Policy;
            foreach (var method in trigger.GetProperty("methods").EnumerateArray())
            {
                functions.Add(new HttpFunction(name, method.GetString()!.ToUpperInvariant(), "/api/" + trigger.GetProperty("route").GetString()!.Trim('/'), policy.Access, policy.BodyLimit));
            }
        }

        return functions.OrderBy(f => f.Key, StringComparer.Ordinal).ToList();
    }
}
