using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Checkup.Tests.Infrastructure;

/// <summary>A way the stand-in misbehaves for one upload request.</summary>
public abstract record StandInFailure
{
    /// <summary>Answers with this status and Cloudinary's error JSON.</summary>
    public sealed record Status(int Code, string Message = "stand-in failure") : StandInFailure;

    /// <summary>Answers nothing for this long (longer than the client's timeout), then 500.</summary>
    public sealed record Hang(TimeSpan Duration) : StandInFailure;

    /// <summary>Closes the connection without an answer.</summary>
    public sealed record Drop : StandInFailure;

    /// <summary>Stores the asset, then closes the connection: Cloudinary has it, the client never hears.</summary>
    public sealed record StoreThenDrop : StandInFailure;
}

/// <summary>
/// Random misbehaviour for fault runs: every upload waits a random latency, and fails with probability
/// <paramref name="FailureRate"/> in one of the ways Cloudinary and networks fail (5xx, 420/429, a hang longer than
/// the client's timeout, a dropped connection, a stored asset whose answer is lost), picked evenly.
/// </summary>
public sealed record StandInChaos(double FailureRate, TimeSpan MinLatency, TimeSpan MaxLatency, TimeSpan HangFor, int Seed)
{
    public StandInFailure[] Kinds() =>
    [
        new StandInFailure.Status(500, "Internal Server Error"),
        new StandInFailure.Status(502, "Bad Gateway"),
        new StandInFailure.Status(503, "Service Unavailable"),
        new StandInFailure.Status(429, "Rate Limit Exceeded"),
        new StandInFailure.Status(420, "Rate Limited"),
        new StandInFailure.Hang(HangFor),
        new StandInFailure.Drop(),
        new StandInFailure.StoreThenDrop(),
    ];

    /// <summary>How a failure is named in a fault run's figures.</summary>
    public static string Name(StandInFailure failure) => failure switch
    {
        StandInFailure.Status status => status.Code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        StandInFailure.Hang => "timeout",
        StandInFailure.Drop => "dropped connection",
        StandInFailure.StoreThenDrop => "stored, answer lost",
        _ => failure.GetType().Name,
    };
}

/// <summary>
/// Cloudinary's upload API on 127.0.0.1 (a random port): checks api_key, timestamp and signature exactly as
/// Cloudinary does (written independently of the app's signer, so a bug in it shows), stores assets by public_id
/// (counting versions), supports destroy, and fails on demand.
/// </summary>
public sealed class CloudinaryStandIn : IAsyncDisposable
{
    public const string ApiKey = "standin-key";
    public const string ApiSecret = "standin-secret";
    public const string CloudName = "standin-cloud";

    private static readonly HashSet<string> Unsigned = ["file", "api_key", "resource_type", "cloud_name", "signature"];

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, StoredAsset> _assets = new();
    private readonly ConcurrentDictionary<string, byte[]> _contents = new();
    private readonly ConcurrentQueue<StandInFailure> _planned = new();
    private readonly ConcurrentQueue<string> _destroyed = new();
    private readonly ConcurrentDictionary<string, int> _injected = new();
    private readonly Lock _randomLock = new();
    private Random? _random;
    private StandInChaos? _chaos;
    private long _nextVersion = 1_700_000_000;
    private int _uploadRequests;

    private CloudinaryStandIn(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;
    public string CloudinaryUrl => $"cloudinary://{ApiKey}:{ApiSecret}@{CloudName}";

    /// <summary>Every upload request that reached the stand-in (signed or not, failed or not).</summary>
    public int UploadRequests => Volatile.Read(ref _uploadRequests);
    public int AssetCount => _assets.Count;
    public IReadOnlyCollection<string> Destroyed => _destroyed.ToArray();

    /// <summary>When set, every upload fails this way (after the planned failures are used up).</summary>
    public StandInFailure? FailAlways { get; set; }

    /// <summary>When set, destroy answers this status.</summary>
    public int? DestroyFailure { get; set; }

    /// <summary>Delay before a successful upload answers (to make two invocations overlap).</summary>
    public TimeSpan UploadDelay { get; set; }

    /// <summary>When set, uploads without a planned failure misbehave at random (fault runs).</summary>
    public StandInChaos? Chaos
    {
        get => _chaos;
        set
        {
            lock (_randomLock)
            {
                _chaos = value;
                _random = value is null ? null : new Random(value.Seed);
            }
        }
    }

    /// <summary>Failures <see cref="Chaos"/> injected, by <see cref="StandInChaos.Name"/>.</summary>
    public IReadOnlyDictionary<string, int> Injected => new Dictionary<string, int>(_injected);

    /// <summary>Awaited by an upload after its checks, before the asset is stored (lets a test hold a push mid-way).</summary>
    public Func<Task>? BeforeUploadStored { get; set; }

    public StoredAsset? Asset(string publicId) => _assets.TryGetValue(publicId, out var asset) ? asset : null;

    /// <summary>The bytes of the last upload of an asset, as they reached "Cloudinary".</summary>
    public byte[]? Content(string publicId) => _contents.TryGetValue(publicId, out var bytes) ? bytes : null;

    public IReadOnlyCollection<StoredAsset> Assets => _assets.Values.ToArray();

    /// <summary>The next <paramref name="count"/> uploads fail this way.</summary>
    public void FailNext(int count, StandInFailure failure)
    {
        for (var i = 0; i < count; i++)
        {
            _planned.Enqueue(failure);
        }
    }

    public static async Task<CloudinaryStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var standIn = new CloudinaryStandIn(app);
        app.MapPost("/v1_1/{cloud}/image/upload", standIn.UploadAsync);
        app.MapPost("/v1_1/{cloud}/image/destroy", standIn.DestroyAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        standIn.BaseUrl = new Uri(address);
        return standIn;
    }

    private async Task UploadAsync(HttpContext context, string cloud)
    {
        Interlocked.Increment(ref _uploadRequests);
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (Refuse(cloud, form) is { } refusal)
        {
            await ErrorAsync(context, refusal.Status, refusal.Message);
            return;
        }

        if (form.Files.GetFile("file") is not { } file)
        {
            await ErrorAsync(context, 400, "Missing required parameter - file");
            return;
        }

        var failure = _planned.TryDequeue(out var planned) ? planned : FailAlways;
        if (failure is null && Roll() is var (latency, chaosFailure))
        {
            await Task.Delay(latency, CancellationToken.None);
            failure = chaosFailure;
            if (failure is not null)
            {
                _injected.AddOrUpdate(StandInChaos.Name(failure), 1, (_, n) => n + 1);
            }
        }

        switch (failure)
        {
            case StandInFailure.Status status:
                await ErrorAsync(context, status.Code, status.Message);
                return;
            case StandInFailure.Hang hang:
                try
                {
                    await Task.Delay(hang.Duration, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                await ErrorAsync(context, 500, "hung");
                return;
            case StandInFailure.Drop:
                context.Abort();
                return;
        }

        if (BeforeUploadStored is { } hold)
        {
            await hold();
        }

        var publicId = form["public_id"].ToString();
        var overwrite = form["overwrite"].ToString() != "false";
        var bytes = new byte[file.Length];
        await using (var content = file.OpenReadStream())
        {
            await content.ReadExactlyAsync(bytes, context.RequestAborted);
        }

        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        _contents[publicId] = bytes;
        var asset = _assets.AddOrUpdate(publicId,
            _ => new StoredAsset(publicId, Interlocked.Increment(ref _nextVersion), 1, file.Length, sha256),
            (_, existing) => overwrite ? existing with { Version = Interlocked.Increment(ref _nextVersion), Versions = existing.Versions + 1, Bytes = file.Length, Sha256 = sha256 } : existing);
        if (failure is StandInFailure.StoreThenDrop)
        {
            context.Abort();
            return;
        }

        if (UploadDelay > TimeSpan.Zero)
        {
            await Task.Delay(UploadDelay, context.RequestAborted);
        }

        var url = $"https://res.cloudinary.com/{CloudName}/image/upload/v{asset.Version}/{publicId}";
        await context.Response.WriteAsJsonAsync(new Dictionary<string, object?>
        {
            ["asset_id"] = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(publicId))),
            ["public_id"] = publicId,
            ["version"] = asset.Version,
            ["resource_type"] = "image",
            ["type"] = "upload",
            ["bytes"] = asset.Bytes,
            ["created_at"] = DateTime.UtcNow.ToString("O"),
            ["url"] = url.Replace("https://", "http://", StringComparison.Ordinal),
            ["secure_url"] = url,
        }, context.RequestAborted);
    }

    /// <summary>The chaos mode's latency and failure (null: succeed) for one upload; null when there is no chaos.</summary>
    private (TimeSpan Latency, StandInFailure? Failure)? Roll()
    {
        lock (_randomLock)
        {
            if (_chaos is not { } chaos || _random is not { } random)
            {
                return null;
            }

            var latency = chaos.MinLatency + (chaos.MaxLatency - chaos.MinLatency) * random.NextDouble();
            if (random.NextDouble() >= chaos.FailureRate)
            {
                return (latency, null);
            }

            var kinds = chaos.Kinds();
            return (latency, kinds[random.Next(kinds.Length)]);
        }
    }

    private async Task DestroyAsync(HttpContext context, string cloud)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (Refuse(cloud, form) is { } refusal)
        {
            await ErrorAsync(context, refusal.Status, refusal.Message);
            return;
        }

        if (DestroyFailure is { } status)
        {
            await ErrorAsync(context, status, "destroy failure");
            return;
        }

        var publicId = form["public_id"].ToString();
        var removed = _assets.TryRemove(publicId, out _);
        _contents.TryRemove(publicId, out _);
        if (removed)
        {
            _destroyed.Enqueue(publicId + (form["invalidate"] == "true" ? " (invalidated)" : ""));
        }

        await context.Response.WriteAsJsonAsync(new { result = removed ? "ok" : "not found" });
    }

    /// <summary>Cloudinary's checks of a signed request.</summary>
    private static (int Status, string Message)? Refuse(string cloud, IFormCollection form)
    {
        if (cloud != CloudName)
        {
            return (404, $"Invalid cloud_name {cloud}");
        }

        if (form["api_key"] != ApiKey)
        {
            return (401, $"Unknown API key {form["api_key"]}");
        }

        if (!long.TryParse(form["timestamp"], out var timestamp))
        {
            return (400, "Missing required parameter - timestamp");
        }

        if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp) > 3600)
        {
            return (400, $"Stale request - reported time is {timestamp}");
        }

        var pairs = form.Keys
            .Where(k => !Unsigned.Contains(k) && !string.IsNullOrEmpty(form[k]))
            .Order(StringComparer.Ordinal)
            .Select(k => (k + "=" + string.Join(',', form[k].ToArray())).Replace("&", "%26"));
        var toSign = string.Join('&', pairs);
        var expected = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(toSign + ApiSecret)));
        return form["signature"] == expected ? null : (401, $"Invalid Signature {form["signature"]}. String to sign - '{toSign}'.");
    }

    private static async Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { error = new { message } });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record StoredAsset(string PublicId, long Version, int Versions, long Bytes, string Sha256);
