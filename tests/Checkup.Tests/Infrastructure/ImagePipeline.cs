using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Checkup.Core.Images;
using Checkup.Core.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Checkup.Tests.Infrastructure;

/// <summary>
/// The app on its own scratch database (the cleanup scans the whole images table, so pipeline tests never share one),
/// its own container and queue, and a Cloudinary stand-in. Short retry delays. The triggers are driven by the test:
/// ProcessImage's queue listener and the cleanup timer are disabled, and the test hands each message the host would
/// have taken off the queue to the host's admin API, which invokes the function in the worker as the trigger would.
/// </summary>
public sealed class ImagePipeline : IAsyncDisposable
{
    private readonly ScratchApp _app;

    private ImagePipeline(CloudinaryStandIn cloudinary, ScratchApp app)
    {
        Cloudinary = cloudinary;
        _app = app;
    }

    public CloudinaryStandIn Cloudinary { get; }
    public CheckupFactory Factory => _app.Factory;
    public string ConnectionString => _app.ConnectionString;
    public StorageClients Storage => Factory.Services.GetRequiredService<StorageClients>();

    public static async Task<ImagePipeline> StartAsync(IDictionary<string, string?>? overrides = null)
    {
        var cloudinary = await CloudinaryStandIn.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["CLOUDINARY_URL"] = cloudinary.CloudinaryUrl,
            ["Cloudinary:ApiBaseUrl"] = cloudinary.BaseUrl.ToString(),
            ["Cloudinary:Timeout"] = "00:00:30", // generous: a loaded CI machine must not turn a good push into a timeout
            ["Images:RetryBaseDelay"] = "00:00:00.010",
            ["Images:RetryMaxDelay"] = "00:00:00.050",
            ["AzureWebJobs.ProcessImage.Disabled"] = "true",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = await ScratchApp.CreateAsync(settings);
        await app.Factory.StartAsync(); // migrations, container, queues
        return new ImagePipeline(cloudinary, app);
    }

    public HttpClient Client(string sub, bool admin = false) => Factory.ClientFor(sub, admin);

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] bytes, string fileName = "photo.png",
        string contentType = "image/png", string? idempotencyKey = null, string? traceparent = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/images") { Content = form };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (traceparent is not null)
        {
            request.Headers.Add("traceparent", traceparent);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Uploads a small PNG and returns its id (asserting the 201).</summary>
    public async Task<Guid> UploadImageAsync(string sub, byte[]? bytes = null)
    {
        var response = await UploadAsync(Client(sub), bytes ?? TestImages.Png());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await Json(response)).GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public async Task<ImageRow> RowAsync(Guid id) =>
        await Factory.Services.GetRequiredService<ImageStore>().FindAsync(id, CancellationToken.None) ?? throw new InvalidOperationException($"no image {id}");

    /// <summary>The image's row once it has <paramref name="status"/>, or as it is when <paramref name="within"/> has passed.</summary>
    public Task<ImageRow> WaitForStatusAsync(Guid id, string status, TimeSpan within) => WaitForStatusAsync(Factory.Services, id, status, within);

    /// <summary>The same, read through Checkup.Core's services of any app the tests start (hosted or packaged).</summary>
    public static async Task<ImageRow> WaitForStatusAsync(IServiceProvider services, Guid id, string status, TimeSpan within)
    {
        var store = services.GetRequiredService<ImageStore>();
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var row = await store.FindAsync(id, CancellationToken.None);
            if (row?.Status == status || DateTime.UtcNow > deadline)
            {
                return row ?? throw new InvalidOperationException($"no image {id}");
            }

            await Task.Delay(100);
        }
    }

    public async Task<IReadOnlyList<ImageRow>> RowsOfAsync(string ownerId)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        return (await connection.QueryAsync<ImageRow>($"select {ImageStore.Columns} from images where owner_id = @ownerId", new { ownerId })).ToList();
    }

    public async Task ExecuteAsync(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.ExecuteAsync(sql, parameters);
    }

    public async Task<bool> StagedBlobExistsAsync(Guid id) =>
        (await Storage.Staging.GetBlobClient(ImageUploads.BlobName(id)).ExistsAsync()).Value;

    public async Task<List<string>> StagedBlobNamesAsync()
    {
        var names = new List<string>();
        await foreach (var blob in Storage.Staging.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        return names;
    }

    /// <summary>Takes every visible message off the upload queue (the host would deliver them).</summary>
    public async Task<List<QueueMessage>> TakeMessagesAsync()
    {
        var taken = new List<QueueMessage>();
        while (true)
        {
            var batch = (await Storage.UploadQueue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            if (batch.Length == 0)
            {
                return taken;
            }

            taken.AddRange(batch);
        }
    }

    public async Task<int> QueuedCountAsync() => (await Storage.UploadQueue.PeekMessagesAsync(32)).Value.Length;

    /// <summary>What the queue listener does: every visible message handed to ProcessImage (asserting it succeeded), then deleted.</summary>
    public async Task<int> DeliverQueuedAsync()
    {
        var messages = await TakeMessagesAsync();
        foreach (var message in messages)
        {
            var invocation = await ProcessAsync(message.Body.ToString());
            Assert.True(invocation.Succeeded, string.Join(Environment.NewLine, invocation.Logs));
            await Storage.UploadQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }

        return messages.Count;
    }

    /// <summary>ProcessImage for one message (its JSON text), through the host.</summary>
    public Task<Invocation> ProcessAsync(string message) => Factory.App.InvokeAsync("ProcessImage", message);

    public static string MessageFor(Guid imageId) => JsonSerializer.Serialize(new { imageId });

    /// <summary>A CleanupImages run through the host (a manual timer tick).</summary>
    public Task<Invocation> RunCleanupAsync() => Factory.App.InvokeAsync("CleanupImages");

    /// <summary>
    /// Plays host until the image leaves the retry loop: deliver, and while it waits for a retry wait for the retry's
    /// own message (queued hidden until the attempt is due). The cleanup is not run: a retry that needed it would never
    /// come. Bounded by rounds and a generous deadline, never by a timed assertion.
    /// </summary>
    public async Task<ImageRow> DriveAsync(Guid id, int maxRounds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (var round = 0; round < maxRounds && DateTime.UtcNow < deadline; round++)
        {
            await DeliverQueuedAsync();
            var row = await RowAsync(id);
            if (row.Status != ImageStatus.CloudinaryUploadFailure || row.NextAttemptAt is null)
            {
                return row;
            }

            await WaitForQueuedAsync(deadline);
        }

        return await RowAsync(id);
    }

    /// <summary>Until a message is visible on the upload queue (a scheduled retry's comes when it is due), or the deadline.</summary>
    public async Task<bool> WaitForQueuedAsync(DateTime deadline)
    {
        while (DateTime.UtcNow < deadline)
        {
            if (await QueuedCountAsync() > 0)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await Cloudinary.DisposeAsync();
    }
}
