using System.Text.Json;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Worker;

/// <summary>
/// The isolated worker's build (<c>functions.metadata</c>, written by the Worker SDK from the [Function] classes): the
/// API's routes and methods, and triggers bound as the product needs.
/// </summary>
public sealed class WorkerManifestTests
{
    private static JsonElement[] Functions() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(HostedApp.WorkerRoot, "functions.metadata"))).RootElement.EnumerateArray().ToArray();

    private static JsonElement Trigger(JsonElement function) =>
        function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    /// <summary>The API's surface (spec section 5): a route added, moved or dropped is a deliberate change of this list.</summary>
    private static readonly string[] Api =
    [
        "DELETE /api/admin/users",
        "GET /api/admin/images",
        "GET /api/admin/stats",
        "GET /api/admin/submissions",
        "GET /api/admin/submissions.csv",
        "GET /api/docs",
        "GET /api/docs/{file}",
        "GET /api/health",
        "GET /api/images/{id:guid}",
        "GET /api/openapi.json",
        "GET /api/submission",
        "POST /api/admin/images/{id:guid}/give-up",
        "POST /api/admin/images/{id:guid}/retry",
        "POST /api/images",
        "POST /api/submission",
        "POST /api/submission/submit",
        "PUT /api/submission/draft",
    ];

    [Fact]
    public void The_build_lists_every_http_function_of_the_api_with_its_route_and_method()
    {
        var built = HttpFunctions.All().Where(f => !f.IsFallback).Select(f => f.Key);

        Assert.Equal(Api.Order(StringComparer.Ordinal), built.Order(StringComparer.Ordinal));
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
        Assert.Equal("{*path}", functions["Unrouted"].GetProperty("route").GetString());
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

}
