using System.Collections.Frozen;
using System.Reflection;
using Checkup.Functions.OpenApi;
using Microsoft.Azure.Functions.Worker;

namespace Checkup.Functions.Worker;

/// <summary>
/// An HTTP function as its attributes declare it: the <c>[Function]</c> name, the <c>[HttpTrigger]</c>'s route (below
/// host.json's route prefix) and methods, and the method behind it with the attributes the middleware enforce.
/// </summary>
public sealed record FunctionEntry(string Name, string Route, IReadOnlyList<string> Methods, MethodInfo Method)
{
    public FunctionPolicy Policy { get; } = FunctionPolicy.Read(Method);

    /// <summary>The body it reads, as it declares it for the document; null for none.</summary>
    public RequestBodyAttribute? Body { get; } = Method.GetCustomAttribute<RequestBodyAttribute>();
}

/// <summary>
/// Every HTTP function of this app, read once from the <c>[Function]</c> methods and their <c>[HttpTrigger]</c> as the
/// Worker SDK reads them into functions.metadata. The middleware (a function's policy), the catch-all (which methods an
/// address takes) and the OpenAPI document read this one list instead of reflecting for themselves.
/// </summary>
public static class FunctionCatalogue
{
    private static readonly Lazy<FunctionEntry[]> All = new(Read);

    private static readonly Lazy<FrozenDictionary<string, FunctionEntry>> ByName = new(() => All.Value.ToFrozenDictionary(f => f.Name, StringComparer.Ordinal));

    /// <summary>Ordered by route, then name (the document's order).</summary>
    public static IReadOnlyList<FunctionEntry> Http => All.Value;

    /// <summary>The HTTP function the host knows by <paramref name="name"/> (<c>FunctionDefinition.Name</c>).</summary>
    public static FunctionEntry Named(string name) =>
        ByName.Value.TryGetValue(name, out var function) ? function : throw new InvalidOperationException($"No HTTP function is named {name}.");

    /// <summary>A trigger that names no methods answers them all.</summary>
    private static readonly string[] AnyMethod = ["get", "post", "put", "patch", "delete", "head", "options"];

    private static FunctionEntry[] Read() =>
        (from type in typeof(FunctionCatalogue).Assembly.GetTypes()
         from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
         let function = method.GetCustomAttribute<FunctionAttribute>()
         let trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(t => t is not null)
         where function is not null && trigger is not null
         orderby trigger.Route, function.Name
         select new FunctionEntry(function.Name, trigger.Route ?? function.Name, trigger.Methods ?? AnyMethod, method)).ToArray();
}
