using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
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
    private readonly ConcurrentQueue<JsonObject> _items = new();

    private IngestionStandIn(WebApplication app) => _app = app;

    public string ConnectionString { get; private set; } = "";
    public IReadOnlyCollection<JsonObject> Items => _items.ToArray();

    public static async Task<IngestionStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var standIn = new IngestionStandIn(app);
        app.MapPost("/v2.1/track", standIn.TrackAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        standIn.ConnectionString = $"InstrumentationKey={Guid.NewGuid()};IngestionEndpoint={address}/";
        return standIn;
    }

    private async Task<IResult> TrackAsync(HttpRequest request)
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
                _items.Enqueue(item);
                received++;
            }
        }

        return Results.Json(new { itemsReceived = received, itemsAccepted = received, errors = Array.Empty<object>() }, statusCode: (int)HttpStatusCode.OK);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
