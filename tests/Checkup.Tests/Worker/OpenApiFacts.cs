using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Checkup.Functions.Worker;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Worker;

/// <summary>One app under the local Functions host for the document's tests and the docs page's.</summary>
[CollectionDefinition(Name)]
public sealed class OpenApiCollection : ICollectionFixture<HostedAppFixture>
{
    public const string Name = "OpenApi";
}

/// <summary>What the OpenAPI tests compare: the build's HTTP functions (functions.metadata) and the served document.</summary>
internal static partial class OpenApiFacts
{
    /// <summary>An HTTP function of the build as the host indexes it, with the method behind it.</summary>
    public sealed record Indexed(string Name, string Path, string[] Methods, MethodInfo Method)
    {
        public FunctionPolicy Policy => FunctionCatalogue.Named(Name).Policy;
    }

    public static List<Indexed> HttpFunctions() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(HostedApp.WorkerRoot, "functions.metadata"))).RootElement.EnumerateArray()
            .Select(f => (Function: f, Trigger: f.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal))))
            .Where(f => f.Trigger.GetProperty("type").GetString() == "httpTrigger")
            .Select(f =>
            {
                var name = f.Function.GetProperty("name").GetString()!;
                return new Indexed(
                    name,
                    "/api/" + RouteParameter().Replace(f.Trigger.GetProperty("route").GetString()!, "{$1}"),
                    f.Trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()).ToArray(),
                    FunctionCatalogue.Named(name).Method);
            })
            .ToList();

    public static async Task<JsonElement> DocumentAsync(HostedApp app) =>
        JsonDocument.Parse(await app.CreateClient().GetStringAsync("/api/openapi.json")).RootElement;

    public static JsonElement Operation(JsonElement document, Indexed function, string method) =>
        document.GetProperty("paths").GetProperty(function.Path).GetProperty(method);

    /// <summary>Status and codes of each problem response of an operation, read from the code enums the document gives.</summary>
    public static Dictionary<string, HashSet<int>> DocumentedCodes(JsonElement operation)
    {
        var codes = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        foreach (var response in operation.GetProperty("responses").EnumerateObject())
        {
            if (!response.Value.TryGetProperty("content", out var content) || !content.TryGetProperty("application/problem+json", out var problem))
            {
                continue;
            }

            var codeSchema = problem.GetProperty("schema").GetProperty("allOf")[1].GetProperty("properties").GetProperty("code");
            foreach (var code in codeSchema.GetProperty("enum").EnumerateArray())
            {
                (codes.TryGetValue(code.GetString()!, out var statuses) ? statuses : codes[code.GetString()!] = []).Add(int.Parse(response.Name, System.Globalization.CultureInfo.InvariantCulture));
                Assert.True(problem.GetProperty("examples").TryGetProperty(code.GetString()!, out _), $"{response.Name} {code} has no example");
            }
        }

        return codes;
    }

    [GeneratedRegex(@"\{\*?([A-Za-z0-9_]+)(?::[^}]*)?\??\}")]
    private static partial Regex RouteParameter();
}
