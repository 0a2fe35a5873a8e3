using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using Checkup.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Checkup.Tests.Telemetry;

/// <summary>
/// Application Insights' ingestion endpoint (<c>POST /v2.1/track</c>, gzip'ed newline-delimited JSON envelopes) on
/// loopback, keeping every telemetry item the Azure Monitor exporter sends.
/// </summary>
public sealed class IngestionStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonObject> _items;

    private IngestionStandIn(WebApplication app, ConcurrentQueue<JsonObject> items)
    {
        _app = app;
        _items = items;
    }

    public string ConnectionString { get; private init; } = "";
    public IReadOnlyCollection<JsonObject> Items => _items.ToArray();

    public static async Task<IngestionStandIn> StartAsync()
    {
        var items = new ConcurrentQueue<JsonObject>();
        var (app, url) = await LoopbackServer.StartAsync(app => app.MapPost("/v2.1/track", (HttpRequest request) => TrackAsync(request, items)));
        return new IngestionStandIn(app, items) { ConnectionString = $"InstrumentationKey={Guid.NewGuid()};IngestionEndpoint={url}/" };
    }

    private static async Task<IResult> TrackAsync(HttpRequest request, ConcurrentQueue<JsonObject> items)
    {
        Stream body = request.Body;
        if (request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            body = new GZipStream(request.Body, CompressionMode.Decompress);
        }

        using var reader = new StreamReader(body);
        var received = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length > 0 && JsonNode.Parse(line) is JsonObject item)
            {
                items.Enqueue(item);
                received++;
            }
        }

        return Results.Json(new { itemsReceived = received, itemsAccepted = received, errors = Array.Empty<object>() }, statusCode: (int)HttpStatusCode.OK);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
