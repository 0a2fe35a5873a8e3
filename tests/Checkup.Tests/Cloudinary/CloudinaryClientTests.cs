using Checkup.Core.Cloudinary;
using Checkup.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Checkup.Tests.Cloudinary;

/// <summary>The client against the stand-in, which checks signatures the way Cloudinary does.</summary>
public sealed class CloudinaryClientTests : IAsyncLifetime
{
    private CloudinaryStandIn _standIn = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _standIn = await CloudinaryStandIn.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _standIn.DisposeAsync();
    }

    private CloudinaryClient Client(string? url = null, TimeSpan? timeout = null) => new(_http, Options.Create(new CloudinaryOptions
    {
        Url = url ?? _standIn.CloudinaryUrl,
        ApiBaseUrl = _standIn.BaseUrl,
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
    }), TimeProvider.System);

    private static Task<CloudinaryUploadResult> Upload(CloudinaryClient client, string publicId, byte[]? bytes = null)
    {
        var content = bytes ?? TestImages.Png();
        return client.UploadAsync(publicId, new MemoryStream(content), content.Length, "img.png", CancellationToken.None);
    }

    [Fact]
    public async Task A_signed_upload_is_accepted_and_its_answer_parsed()
    {
        var result = await Upload(Client(), "checkup/abc");

        Assert.Null(result.Failure);
        Assert.NotNull(result.Asset);
        Assert.Equal("checkup/abc", result.Asset.PublicId);
        Assert.Equal(_standIn.Asset("checkup/abc")!.Version, result.Asset.Version);
        Assert.Equal(_standIn.DeliveryUrl("checkup/abc")!.ToString(), result.Asset.SecureUrl);
        Assert.False(string.IsNullOrEmpty(result.Asset.AssetId));
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_as_a_permanent_failure()
    {
        var result = await Upload(Client($"cloudinary://{CloudinaryStandIn.ApiKey}:wrong-secret@{CloudinaryStandIn.CloudName}"), "checkup/abc");

        Assert.NotNull(result.Failure);
        Assert.False(result.Failure.Retryable);
        Assert.Equal(401, result.Failure.StatusCode);
        Assert.Contains("Invalid Signature", result.Failure.Message);
        Assert.Equal(0, _standIn.AssetCount);
    }

    [Fact]
    public async Task Uploading_the_same_public_id_again_overwrites_one_asset()
    {
        var first = await Upload(Client(), "checkup/same");
        var second = await Upload(Client(), "checkup/same", TestImages.Gif());

        Assert.Equal(1, _standIn.AssetCount);
        Assert.Equal(2, _standIn.Asset("checkup/same")!.Versions);
        Assert.True(second.Asset!.Version > first.Asset!.Version);
    }

    [Theory]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(429, true)]
    [InlineData(420, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    public async Task Failures_are_classified_as_retryable_or_permanent(int status, bool retryable)
    {
        _standIn.FailNext(1, new StandInFailure.Status(status, "planned"));

        var result = await Upload(Client(), "checkup/x");

        Assert.NotNull(result.Failure);
        Assert.Equal(status, result.Failure.StatusCode);
        Assert.Equal(retryable, result.Failure.Retryable);
        Assert.Equal("planned", result.Failure.Message);
    }

    [Fact]
    public async Task A_stale_timestamp_is_worth_a_retry_with_a_fresh_signature()
    {
        _standIn.FailNext(1, new StandInFailure.Status(400, "Stale request - reported time is 1315060510 which is out of range"));

        var result = await Upload(Client(), "checkup/x");

        Assert.True(result.Failure!.Retryable);
    }

    [Fact]
    public async Task A_timeout_and_a_dropped_connection_are_retryable()
    {
        _standIn.FailNext(1, new StandInFailure.Hang(TimeSpan.FromSeconds(30)));
        _standIn.FailNext(1, new StandInFailure.Drop());

        var timedOut = await Upload(Client(timeout: TimeSpan.FromMilliseconds(500)), "checkup/x");
        var dropped = await Upload(Client(), "checkup/x");

        Assert.True(timedOut.Failure!.Retryable);
        Assert.Contains("did not answer", timedOut.Failure.Message);
        Assert.True(dropped.Failure!.Retryable);
        Assert.Null(dropped.Failure.StatusCode);
    }

    [Fact]
    public async Task A_failing_source_stream_is_thrown_not_blamed_on_cloudinary()
    {
        var error = await Assert.ThrowsAsync<IOException>(() =>
            Client().UploadAsync("checkup/x", new FailingStream(), null, "img.png", CancellationToken.None));

        Assert.Equal("blob read failed", error.Message);
    }

    [Fact]
    public async Task Destroy_removes_the_asset_with_invalidation_and_repeating_it_is_harmless()
    {
        await Upload(Client(), "checkup/gone");

        var first = await Client().DestroyAsync("checkup/gone", CancellationToken.None);
        var again = await Client().DestroyAsync("checkup/gone", CancellationToken.None);

        Assert.True(first.Deleted);
        Assert.True(again.Deleted); // "not found" counts as deleted
        Assert.Equal(0, _standIn.AssetCount);
        Assert.Equal(["checkup/gone (invalidated)"], _standIn.Destroyed);
    }

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("blob read failed");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
