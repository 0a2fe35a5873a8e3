using System.Collections.Concurrent;
using Checkup.CloudinaryLocal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

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
/// The local Cloudinary (tools/CloudinaryLocal: signature and timestamp checks, assets on disk in a scratch folder,
/// delivery URLs, destroy with invalidate) run in-process on 127.0.0.1 (a random port), with failures on demand: the
/// tests and <c>./checkup run</c> exercise the same server.
/// </summary>
public sealed class CloudinaryStandIn : IAsyncDisposable
{
    public const string ApiKey = "standin-key";
    public const string ApiSecret = "standin-secret";
    public const string CloudName = "standin-cloud";

    private readonly WebApplication _app;
    private readonly LocalCloudinary _server;
    private readonly string _data;
    private readonly Faults _faults;

    private CloudinaryStandIn(WebApplication app, LocalCloudinary server, string data, Uri baseUrl)
    {
        _app = app;
        _server = server;
        _data = data;
        BaseUrl = baseUrl;
        _faults = new Faults(this);
        server.Faults = _faults;
    }

    public Uri BaseUrl { get; }
    public string CloudinaryUrl => $"cloudinary://{ApiKey}:{ApiSecret}@{CloudName}";

    /// <summary>Every upload request that reached the stand-in (signed or not, failed or not).</summary>
    public int UploadRequests => Volatile.Read(ref _faults.UploadRequests);
    public int AssetCount => _server.Store.Count;
    public IReadOnlyCollection<string> Destroyed => _faults.DestroyedIds.ToArray();

    /// <summary>When set, every upload fails this way (after the planned failures are used up).</summary>
    public StandInFailure? FailAlways { get; set; }

    /// <summary>When set, destroy answers this status.</summary>
    public int? DestroyFailure { get; set; }

    /// <summary>Awaited by every destroy request before it is answered (lets a test see how many come at once).</summary>
    public Func<Task>? BeforeDestroy { get; set; }

    /// <summary>Delay before a successful upload answers (to make two invocations overlap).</summary>
    public TimeSpan UploadDelay { get; set; }

    /// <summary>When set, uploads without a planned failure misbehave at random (fault runs).</summary>
    public StandInChaos? Chaos
    {
        get => _faults.Chaos;
        set => _faults.SetChaos(value);
    }

    /// <summary>Failures <see cref="Chaos"/> injected, by <see cref="StandInChaos.Name"/>.</summary>
    public IReadOnlyDictionary<string, int> Injected => new Dictionary<string, int>(_faults.InjectedCounts);

    /// <summary>Awaited by an upload after its checks, before the asset is stored (lets a test hold a push mid-way).</summary>
    public Func<Task>? BeforeUploadStored { get; set; }

    /// <summary>Called with the time of every upload request (before any check), e.g. to measure when retries come.</summary>
    public Action<DateTimeOffset>? OnUploadRequest { get; set; }

    public StoredAsset? Asset(string publicId) => _server.Store.Find(publicId) is { } asset ? Stored(asset) : null;

    public IReadOnlyCollection<StoredAsset> Assets => _server.Store.All.Select(Stored).ToArray();

    /// <summary>The bytes of the last upload of an asset, as they reached "Cloudinary".</summary>
    public byte[]? Content(string publicId) => _server.Store.Find(publicId) is { } asset ? File.ReadAllBytes(_server.Store.PathOf(asset)) : null;

    /// <summary>The delivery URL of a stored asset (null when there is none), as the upload answered it.</summary>
    public Uri? DeliveryUrl(string publicId) => _server.Store.Find(publicId) is { } asset
        ? new Uri(BaseUrl, $"{CloudName}/image/upload/v{asset.Version}/{asset.PublicId}.{asset.Format}")
        : null;

    /// <summary>The next <paramref name="count"/> uploads fail this way.</summary>
    public void FailNext(int count, StandInFailure failure)
    {
        for (var i = 0; i < count; i++)
        {
            _faults.Planned.Enqueue(failure);
        }
    }

    /// <summary>The first <paramref name="count"/> uploads of every public id fail this way (before the other failures).</summary>
    public void FailEachAssetFirst(int count, StandInFailure failure) => _faults.PerAsset = (count, failure);

    public static async Task<CloudinaryStandIn> StartAsync()
    {
        var data = Path.Combine(Path.GetTempPath(), "checkup-cloudinary-" + Guid.NewGuid().ToString("N"));
        var options = new LocalCloudinaryOptions(new LocalAccount(ApiKey, ApiSecret, CloudName), data);
        var (app, server, baseUrl) = await LocalCloudinary.StartAsync(options, "http://127.0.0.1:0");
        return new CloudinaryStandIn(app, server, data, baseUrl);
    }

    private static StoredAsset Stored(LocalAsset asset) => new(asset.PublicId, asset.Version, asset.Versions, asset.Bytes, asset.Sha256);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>The stand-in's failures, at the points the server offers.</summary>
    private sealed class Faults(CloudinaryStandIn standIn) : CloudinaryFaults
    {
        public readonly ConcurrentQueue<StandInFailure> Planned = new();
        public readonly ConcurrentQueue<string> DestroyedIds = new();
        public readonly ConcurrentDictionary<string, int> InjectedCounts = new();
        public int UploadRequests;
        public (int Count, StandInFailure Failure)? PerAsset;
        private readonly ConcurrentDictionary<string, int> _perAssetFailed = new(StringComparer.Ordinal);
        private readonly Lock _randomLock = new();
        private Random? _random;

        public StandInChaos? Chaos { get; private set; }

        public void SetChaos(StandInChaos? chaos)
        {
            lock (_randomLock)
            {
                Chaos = chaos;
                _random = chaos is null ? null : new Random(chaos.Seed);
            }
        }

        public override void UploadReceived()
        {
            Interlocked.Increment(ref UploadRequests);
            standIn.OnUploadRequest?.Invoke(DateTimeOffset.UtcNow);
        }

        public override async ValueTask<bool> BeforeStoreAsync(HttpContext context)
        {
            var failure = PerAssetFailure(context.Request.Form["public_id"].ToString()) ??
                (Planned.TryDequeue(out var planned) ? planned : standIn.FailAlways);
            if (failure is null && Roll() is var (latency, chaosFailure))
            {
                await Task.Delay(latency, CancellationToken.None);
                failure = chaosFailure;
                if (failure is not null)
                {
                    InjectedCounts.AddOrUpdate(StandInChaos.Name(failure), 1, (_, n) => n + 1);
                }
            }

            context.Items[typeof(StandInFailure)] = failure;
            switch (failure)
            {
                case StandInFailure.Status status:
                    await LocalCloudinary.ErrorAsync(context, new CloudinaryError(status.Code, status.Message));
                    return true;
                case StandInFailure.Hang hang:
                    try
                    {
                        await Task.Delay(hang.Duration, context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                        return true;
                    }

                    await LocalCloudinary.ErrorAsync(context, new CloudinaryError(500, "hung"));
                    return true;
                case StandInFailure.Drop:
                    context.Abort();
                    return true;
            }

            if (standIn.BeforeUploadStored is { } hold)
            {
                await hold();
            }

            return false;
        }

        public override async ValueTask<bool> AfterStoreAsync(HttpContext context)
        {
            if (context.Items[typeof(StandInFailure)] is StandInFailure.StoreThenDrop)
            {
                context.Abort();
                return true;
            }

            if (standIn.UploadDelay > TimeSpan.Zero)
            {
                await Task.Delay(standIn.UploadDelay, context.RequestAborted);
            }

            return false;
        }

        public override async ValueTask<bool> BeforeDestroyAsync(HttpContext context)
        {
            if (standIn.BeforeDestroy is { } hook)
            {
                await hook();
            }

            if (standIn.DestroyFailure is not { } status)
            {
                return false;
            }

            await LocalCloudinary.ErrorAsync(context, new CloudinaryError(status, "destroy failure"));
            return true;
        }

        public override void Destroyed(string publicId, bool invalidated) => DestroyedIds.Enqueue(publicId + (invalidated ? " (invalidated)" : ""));

        private StandInFailure? PerAssetFailure(string publicId)
        {
            if (PerAsset is not var (count, failure))
            {
                return null;
            }

            return _perAssetFailed.AddOrUpdate(publicId, 1, (_, n) => n + 1) <= count ? failure : null;
        }

        /// <summary>The chaos mode's latency and failure (null: succeed) for one upload; null when there is no chaos.</summary>
        private (TimeSpan Latency, StandInFailure? Failure)? Roll()
        {
            lock (_randomLock)
            {
                if (Chaos is not { } chaos || _random is not { } random)
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
    }
}

public sealed record StoredAsset(string PublicId, long Version, int Versions, long Bytes, string Sha256);
