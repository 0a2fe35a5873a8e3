using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;
using Checkup.Functions.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace Checkup.Tests.Telemetry;

/// <summary>What an operator sees in Application Insights: one upload is one transaction, request to Cloudinary.</summary>
public sealed class TraceCorrelationTests
{
    [Fact]
    public async Task The_trace_id_of_an_upload_request_reappears_in_the_processing_of_its_queue_message()
    {
        await using var ingestion = await IngestionStandIn.StartAsync();
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ingestion.ConnectionString,
        });
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var traceparent = $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01";

        var upload = await ImagePipeline.UploadAsync(pipeline.Client(Users.New()), TestImages.Png(), traceparent: traceparent);
        var imageId = (await ImagePipeline.Json(upload)).GetProperty("id").GetGuid();
        Assert.Equal(1, await pipeline.DeliverQueuedAsync()); // the host's delivery: a request with a trace of its own
        var row = await pipeline.RowAsync(imageId);
        // The worker's exporter sends in batches (every few seconds): wait for the last pieces, bounded.
        var items = await WaitForAsync(ingestion, traceId, all =>
            all.Any(i => Name(i) == "ProcessImage") && all.Any(i => Kind(i) == "RequestData") &&
            all.Any(i => Kind(i) == "RemoteDependencyData" && Data(i).Contains("update images", StringComparison.OrdinalIgnoreCase)));

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal(ImageStatus.SavedInCloudinary, row.Status);
        var seen = string.Join("\n", items.Select(i => $"{Kind(i)} '{Name(i)}' {Target(i)} {Data(i).Split('\n')[0]}"));
        // The worker's request span names the route as the function declares it ("POST api/images").
        Assert.True(items.Any(i => Kind(i) == "RequestData" && Name(i).Contains("api/images", StringComparison.Ordinal)), seen);
        Assert.True(items.Any(i => Name(i) == "ProcessImage"), seen);
        // The Cloudinary push and the database update are children of the same operation.
        Assert.True(items.Any(i => Kind(i) == "RemoteDependencyData" && Target(i).Contains(pipeline.Cloudinary.BaseUrl.Host, StringComparison.Ordinal)), seen);
        Assert.True(items.Any(i => Kind(i) == "RemoteDependencyData" && Data(i).Contains("update images", StringComparison.OrdinalIgnoreCase)), seen);
    }

    [Fact]
    public void Without_a_connection_string_no_telemetry_pipeline_is_registered()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddCheckupTelemetry(); // as the worker's start calls it

        using var host = builder.Build();

        Assert.Null(host.Services.GetService<TracerProvider>());
    }

    private static async Task<List<JsonObject>> WaitForAsync(IngestionStandIn ingestion, string traceId, Func<List<JsonObject>, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var items = ingestion.Items.Where(i => i["tags"]?["ai.operation.id"]?.GetValue<string>() == traceId).ToList();
            if (until(items) || DateTime.UtcNow > deadline)
            {
                return items;
            }

            await Task.Delay(100);
        }
    }

    private static string Kind(JsonObject item) => item["data"]?["baseType"]?.GetValue<string>() ?? "";
    private static string Name(JsonObject item) => item["data"]?["baseData"]?["name"]?.GetValue<string>() ?? "";
    private static string Target(JsonObject item) => item["data"]?["baseData"]?["target"]?.GetValue<string>() ?? "";
    private static string Data(JsonObject item) => item["data"]?["baseData"]?["data"]?.GetValue<string>() ?? "";
}
