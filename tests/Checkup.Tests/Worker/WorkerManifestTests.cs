using System.Text.Json;
using System.Text.RegularExpressions;
using Checkup.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Checkup.Tests.Worker;

/// <summary>
/// The isolated worker's build (<c>functions.metadata</c>, written by the Worker SDK from the [Function] classes) serves
/// exactly the routes and methods the custom handler serves, and its triggers bind as the product needs.
/// </summary>
public sealed partial class WorkerManifestTests
{
    private static JsonElement[] Functions() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(HostedApp.WorkerRoot, "functions.metadata"))).RootElement.EnumerateArray().ToArray();

    private static JsonElement Trigger(JsonElement function) =>
        function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    [Fact]
    public async Task Every_endpoint_of_the_handler_is_an_http_function_with_the_same_route_and_method()
    {
        await using var factory = new CheckupFactory();
        factory.CreateClient();
        var served = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => $"{m} {Normalize(e.RoutePattern.RawText!.TrimStart('/')["api/".Length..])}"))
            .ToHashSet();
        var functions = Functions()
            .Select(Trigger)
            .Where(t => t.GetProperty("type").GetString() == "httpTrigger" && t.GetProperty("route").GetString() != "{*path}"
                        && !t.GetProperty("route").GetString()!.StartsWith("docs", StringComparison.Ordinal)) // the interactive docs are the worker's own
            .SelectMany(t => t.GetProperty("methods").EnumerateArray().Select(m => $"{m.GetString()!.ToUpperInvariant()} {Normalize(t.GetProperty("route").GetString()!)}"))
            .ToHashSet();

        Assert.NotEmpty(functions);
        Assert.Empty(functions.Except(served));
        Assert.Empty(served.Except(functions));
    }

    [Fact]
    public void Http_functions_are_anonymous_at_the_host_and_the_triggers_bind_the_upload_queue_and_the_schedule()
    {
        var functions = Functions().ToDictionary(f => f.GetProperty("name").GetString()!, Trigger);
        foreach (var trigger in functions.Values.Where(t => t.GetProperty("type").GetString() == "httpTrigger"))
        {
            // The app checks the bearer token itself; a function key would stand in front of every browser request.
            Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString(), ignoreCase: true);
        }

        Assert.Equal("queueTrigger", functions["ProcessImage"].GetProperty("type").GetString());
        Assert.Equal("%Storage:UploadQueue%", functions["ProcessImage"].GetProperty("queueName").GetString());
        Assert.Equal("AzureWebJobsStorage", functions["ProcessImage"].GetProperty("connection").GetString());
        Assert.Equal("timerTrigger", functions["CleanupImages"].GetProperty("type").GetString());
        Assert.Equal("0 */5 * * * *", functions["CleanupImages"].GetProperty("schedule").GetString());
        Assert.True(functions["CleanupImages"].GetProperty("useMonitor").GetBoolean());
        Assert.Equal("options", Assert.Single(functions["Preflight"].GetProperty("methods").EnumerateArray()).GetString());
    }

    [Fact]
    public void The_build_has_what_the_host_needs_to_start_the_worker()
    {
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(HostedApp.WorkerRoot, "worker.config.json"))).RootElement.GetProperty("description");

        Assert.Equal("dotnet-isolated", config.GetProperty("language").GetString());
        Assert.Equal("Checkup.Functions.dll", config.GetProperty("defaultWorkerPath").GetString());
        Assert.True(File.Exists(Path.Combine(HostedApp.WorkerRoot, "extensions.json")));
        Assert.True(Directory.Exists(Path.Combine(HostedApp.WorkerRoot, ".azurefunctions")));
    }

    /// <summary>Route parameters by position only: "images/{id:guid}" and "images/{imageId}" are the same route.</summary>
    private static string Normalize(string route) => RouteParameter().Replace(route.Trim('/').ToLowerInvariant(), "{}");

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
