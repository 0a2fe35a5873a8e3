using System.Text.Json;
using System.Text.RegularExpressions;
using Checkup.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Checkup.Tests.Foundation;

/// <summary>The Functions package (function.json folders) and the app's routes must never drift apart.</summary>
public sealed partial class FunctionManifestTests
{
    private static readonly string FunctionApp = Path.Combine(TestEnvironment.RepositoryRoot, "Checkup.Functions", "FunctionApp");

    [Fact]
    public async Task Every_http_function_is_served_by_the_app_and_every_api_endpoint_has_its_function()
    {
        await using var factory = new CheckupFactory();
        factory.CreateClient();
        var served = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => $"{m} {Normalize(e.RoutePattern.RawText!.TrimStart('/')["api/".Length..])}"))
            .ToHashSet();
        var declared = HttpFunctions()
            .SelectMany(f => f.Methods.Select(m => $"{m.ToUpperInvariant()} {Normalize(f.Route)}"))
            .ToHashSet();

        Assert.NotEmpty(declared);
        Assert.Empty(declared.Except(served)); // a function the app does not serve: the host would forward into a 404
        Assert.Empty(served.Except(declared)); // an endpoint without a function: unreachable on Azure
    }

    [Fact]
    public void Http_functions_are_forwardable_anonymous_and_trigger_functions_bind_as_the_contract_says()
    {
        foreach (var function in HttpFunctions())
        {
            Assert.Equal("anonymous", function.AuthLevel);
            Assert.Equal(["http", "httpTrigger"], function.BindingTypes.Order()); // exactly one in, one out: forwarding
        }

        var process = Bindings("ProcessImage").Single();
        Assert.Equal("queueTrigger", process.GetProperty("type").GetString());
        Assert.Equal("message", process.GetProperty("name").GetString());
        Assert.Equal("image-uploads", process.GetProperty("queueName").GetString());
        Assert.Equal("binary", process.GetProperty("dataType").GetString());

        var cleanup = Bindings("CleanupImages").Single();
        Assert.Equal("timerTrigger", cleanup.GetProperty("type").GetString());
        Assert.Equal("timer", cleanup.GetProperty("name").GetString());
    }

    [Fact]
    public void Host_json_starts_the_handler_on_the_hosts_port_with_forwarding()
    {
        var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionApp, "host.json"))).RootElement;
        var handler = host.GetProperty("customHandler");

        Assert.Equal("2.0", host.GetProperty("version").GetString());
        Assert.True(handler.GetProperty("enableForwardingHttpRequest").GetBoolean());
        Assert.Equal("Checkup.Functions", handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.Equal(["--urls", "http://127.0.0.1:%FUNCTIONS_CUSTOMHANDLER_PORT%"],
            handler.GetProperty("description").GetProperty("arguments").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("[4.*, 5.0.0)", host.GetProperty("extensionBundle").GetProperty("version").GetString());
        Assert.Equal("api", host.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    private sealed record HttpFunction(string Name, string Route, string[] Methods, string? AuthLevel, string[] BindingTypes);

    private static IEnumerable<HttpFunction> HttpFunctions()
    {
        foreach (var dir in Directory.GetDirectories(FunctionApp))
        {
            var name = Path.GetFileName(dir);
            var bindings = Bindings(name);
            var trigger = bindings.FirstOrDefault(b => b.GetProperty("type").GetString() == "httpTrigger");
            if (trigger.ValueKind == JsonValueKind.Undefined)
            {
                continue;
            }

            yield return new HttpFunction(
                name,
                trigger.GetProperty("route").GetString()!,
                trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!).ToArray(),
                trigger.GetProperty("authLevel").GetString(),
                bindings.Select(b => b.GetProperty("type").GetString()!).ToArray());
        }
    }

    private static List<JsonElement> Bindings(string function) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionApp, function, "function.json")))
            .RootElement.GetProperty("bindings").EnumerateArray().ToList();

    /// <summary><c>images/{id:guid}</c> and <c>images/{id}</c> are the same route to the host.</summary>
    private static string Normalize(string route) => RouteConstraint().Replace(route.Trim('/'), "{$1}").ToLowerInvariant();

    [GeneratedRegex(@"\{\*?([A-Za-z0-9_]+)(:[^}]*)?\??\}")]
    private static partial Regex RouteConstraint();
}
