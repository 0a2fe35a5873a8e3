using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
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
    public async Task One_operation_runs_from_the_upload_request_through_the_queue_to_the_Cloudinary_call()
    {
        await using var ingestion = await IngestionStandIn.StartAsync();
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ingestion.ConnectionString,
            ["AzureWebJobs.ProcessImage.Disabled"] = null, // the host's queue listener delivers the message
        });
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var callerSpan = ActivitySpanId.CreateRandom().ToHexString();

        var upload = await ImagePipeline.UploadAsync(pipeline.Client(Users.New()), TestImages.Png(), traceparent: $"00-{traceId}-{callerSpan}-01");
        var imageId = (await ImagePipeline.Json(upload)).GetProperty("id").GetGuid();
        var row = await pipeline.WaitForStatusAsync(imageId, ImageStatus.SavedInCloudinary, TimeSpan.FromSeconds(60));
        // The worker's exporter sends in batches (every few seconds): wait for the last pieces, bounded.
        var items = await WaitForAsync(ingestion, all =>
            all.Any(i => Name(i) == "ProcessImage" && i["tags"]?["ai.operation.id"]?.GetValue<string>() == traceId) &&
            all.Any(i => Name(i) == "function ProcessImage") &&
            all.Any(i => Kind(i) == "RemoteDependencyData" && Data(i).StartsWith("update images", StringComparison.OrdinalIgnoreCase) &&
                         i["tags"]?["ai.operation.id"]?.GetValue<string>() == traceId));
        var trace = items.Where(i => i["tags"]?["ai.operation.id"]?.GetValue<string>() == traceId).ToList();
        var seen = string.Join("\n", items.Select(i => $"{Kind(i)} '{Name(i)}' op={Operation(i)} id={Id(i)} parent={Parent(i)} {Target(i)} {Data(i).Split('\n')[0]}"));

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal(ImageStatus.SavedInCloudinary, row.Status);
        // The worker's span of the upload's invocation is a child of the host's invocation span: in the caller's trace,
        // under a span that is neither the caller's nor one the worker exported.
        var invocation = Assert.Single(trace, i => Name(i) == "function Images");
        Assert.NotEqual(callerSpan, Parent(invocation));
        Assert.DoesNotContain(trace, i => Id(i) == Parent(invocation));
        // The upload's work is under that invocation; the queue message carries its span to ProcessImage, whose
        // Cloudinary push and database update are its children: one operation, request to Cloudinary.
        var uploadSpan = Assert.Single(trace, i => Name(i) == "UploadImage");
        Assert.Equal(Id(invocation), Parent(uploadSpan));
        var processing = Assert.Single(trace, i => Name(i) == "ProcessImage");
        Assert.Equal(Id(uploadSpan), Parent(processing));
        Assert.True(trace.Any(i => Kind(i) == "RemoteDependencyData" && Parent(i) == Id(processing) &&
                                   Target(i).Contains(pipeline.Cloudinary.BaseUrl.Host, StringComparison.Ordinal)), seen);
        Assert.True(trace.Any(i => Kind(i) == "RemoteDependencyData" && Parent(i) == Id(processing) &&
                                   Data(i).StartsWith("update images", StringComparison.OrdinalIgnoreCase)), seen);
        // The queue invocation itself runs in a trace the host started for it; ProcessImage links to it, so the portal
        // leads from either to the other.
        var queueInvocation = Assert.Single(items, i => Name(i) == "function ProcessImage" && Id(i) is { } id &&
                                                         (Property(processing, "_MS.links") ?? "").Contains(id, StringComparison.Ordinal));
        Assert.NotEqual(traceId, Operation(queueInvocation));
        // The worker's own gRPC stream to the host is not reported as a dependency.
        Assert.DoesNotContain(items, i => Name(i).Contains("FunctionRpc", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_upload_sent_without_a_traceparent_is_logged_and_queued_under_the_trace_the_host_started_for_it()
    {
        await using var pipeline = await ImagePipeline.StartAsync();

        var upload = await ImagePipeline.UploadAsync(pipeline.Client(Users.New()), TestImages.Png()); // no traceparent
        var imageId = (await ImagePipeline.Json(upload)).GetProperty("id").GetGuid();
        var row = await pipeline.RowAsync(imageId);
        var message = Assert.Single(await pipeline.TakeMessagesAsync());

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var queueing = Assert.Single(row.LogEntries(), e => e.Message.StartsWith("Queueing for Cloudinary", StringComparison.Ordinal)).Message;
        var logged = Regex.Match(queueing, @"\(trace ([0-9a-f]{32})\)$");
        Assert.True(logged.Success, queueing);
        var queued = JsonNode.Parse(message.Body.ToString())!["traceparent"]!.GetValue<string>();
        Assert.Equal(logged.Groups[1].Value, queued.Split('-')[1]); // ProcessImage continues the same trace
    }

    [Fact]
    public void Without_a_connection_string_no_telemetry_pipeline_is_registered()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddCheckupTelemetry(); // as the worker's start calls it

        using var host = builder.Build();

        Assert.Null(host.Services.GetService<TracerProvider>());
    }

    private static async Task<List<JsonObject>> WaitForAsync(IngestionStandIn ingestion, Func<List<JsonObject>, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var items = ingestion.Items.ToList();
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
    private static string? Operation(JsonObject item) => item["tags"]?["ai.operation.id"]?.GetValue<string>();
    private static string? Parent(JsonObject item) => item["tags"]?["ai.operation.parentId"]?.GetValue<string>();
    private static string? Id(JsonObject item) => item["data"]?["baseData"]?["id"]?.GetValue<string>();
    private static string? Property(JsonObject item, string name) => item["data"]?["baseData"]?["properties"]?[name]?.GetValue<string>();
    private static string Data(JsonObject item) => item["data"]?["baseData"]?["data"]?.GetValue<string>() ?? "";
}
