using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Checkup.Core.Storage;
using Checkup.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Checkup.Tests.Images;

/// <summary>
/// A client that sends a fast start and then a trickle passes Kestrel's minimum data rate (an average over the whole
/// body) and used to hold a connection, a row in 'uploaded' and a storage Put for as long as it liked. On real Kestrel,
/// with a raw socket so the client can be as slow as it wants.
/// </summary>
public sealed class SlowUploadTests : IAsyncLifetime
{
    private const string Boundary = "slow-upload-boundary";

    private readonly CheckupFactory _app = new(new Dictionary<string, string?>
    {
        ["Images:UploadRateWindow"] = "00:00:02",
        ["Images:UploadMinBytesPerSecond"] = "1024",
        ["Images:UploadDeadline"] = "00:00:08",
        ["Images:MaxConcurrentUploads"] = "2",
    });

    private int _port;

    public Task InitializeAsync()
    {
        _port = _app.StartOnKestrel().Port;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_upload_that_sends_a_mebibyte_then_a_byte_at_a_time_gets_408_and_leaves_nothing()
    {
        var owner = Users.New();
        await using var upload = await SlowUpload.StartAsync(_port, _app.Auth, owner, firstBytes: 1024 * 1024);
        upload.Drip(every: TimeSpan.FromMilliseconds(200));

        // The worker's 408 reaches a client only once it stops sending (the host forwards the whole body before it
        // reads the answer: see tools/FunctionsHost/README.md), so the worker's own line says it cut the upload off.
        var cut = await _app.App.WaitForLogAsync($"Upload by {owner} cut off (408 upload_too_slow)", TimeSpan.FromSeconds(60));

        Assert.Contains("bytes per second", cut, StringComparison.Ordinal);
        await AssertNothingStoredAsync(owner);
    }

    [Fact]
    public async Task An_upload_that_keeps_the_rate_but_never_ends_gets_408_at_the_deadline_and_leaves_nothing()
    {
        var owner = Users.New();
        await using var upload = await SlowUpload.StartAsync(_port, _app.Auth, owner, firstBytes: 4096);
        upload.Drip(every: TimeSpan.FromMilliseconds(100), bytes: 1024); // 10 KiB/s: well above the minimum, for ever

        var cut = await _app.App.WaitForLogAsync($"Upload by {owner} cut off (408 upload_too_slow)", TimeSpan.FromSeconds(60));

        Assert.Contains("did not finish within", cut, StringComparison.Ordinal);
        await AssertNothingStoredAsync(owner);
    }

    [Fact]
    public async Task A_person_gets_429_for_an_upload_beyond_the_concurrent_limit_and_can_upload_once_one_ends()
    {
        var owner = Users.New();
        await using var first = await SlowUpload.StartAsync(_port, _app.Auth, owner, firstBytes: 1024 * 1024);
        await using var second = await SlowUpload.StartAsync(_port, _app.Auth, owner, firstBytes: 1024 * 1024);
        first.Drip(every: TimeSpan.FromMilliseconds(100), bytes: 1024);
        second.Drip(every: TimeSpan.FromMilliseconds(100), bytes: 1024);
        await WaitUntilInFlightAsync(owner, 2);

        var third = await _app.ClientFor(owner).SendAsync(UploadRequest());
        var someoneElse = await _app.ClientFor(Users.New()).SendAsync(UploadRequest());
        await first.DisposeAsync(); // the client goes away: its slot is free again
        var fourth = await RetryWhileLimitedAsync(owner);

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("rate_limited", JsonDocument.Parse(await third.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Created, someoneElse.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fourth.StatusCode);
    }

    private static HttpRequestMessage UploadRequest()
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(TestImages.Png());
        file.Headers.ContentType = new("image/png");
        form.Add(file, "file", "photo.png");
        return new HttpRequestMessage(HttpMethod.Post, "/api/images") { Content = form };
    }

    /// <summary>Both slow uploads have made their rows, so they hold their slots.</summary>
    private static async Task WaitUntilInFlightAsync(string owner, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await RowCountAsync(owner) < count)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>The server notices the closed connection a moment after the client closed it.</summary>
    private async Task<HttpResponseMessage> RetryWhileLimitedAsync(string owner)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var response = await _app.ClientFor(owner).SendAsync(UploadRequest(), timeout.Token);
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                return response;
            }

            await Task.Delay(100, timeout.Token);
        }
    }

    private async Task AssertNothingStoredAsync(string owner)
    {
        // The handler removes the row after the Put was aborted; the answer may come a moment before that.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await RowCountAsync(owner) > 0)
        {
            await Task.Delay(50, timeout.Token);
        }

        var storage = _app.Services.GetRequiredService<StorageClients>();
        var blobs = new List<string>();
        await foreach (var blob in storage.Staging.GetBlobsAsync(cancellationToken: timeout.Token))
        {
            blobs.Add(blob.Name);
        }

        Assert.Empty(blobs);
        Assert.Empty((await storage.UploadQueue.PeekMessagesAsync(32, timeout.Token)).Value);
    }

    private static async Task<long> RowCountAsync(string owner)
    {
        await using var connection = new NpgsqlConnection(TestEnvironment.Postgres);
        return await connection.ExecuteScalarAsync<long>("select count(*) from images where owner_id = @owner", new { owner });
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>A multipart upload of a 2 MiB PNG on a raw socket: some bytes at once, then as slowly as the test says.</summary>
    private sealed class SlowUpload : IAsyncDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;
        private readonly byte[] _rest;
        private readonly CancellationTokenSource _stop = new(); // not disposed: Drip's task may still hold its token
        private Task _drip = Task.CompletedTask;

        private SlowUpload(TcpClient tcp, byte[] rest)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
            _rest = rest;
        }

        public static async Task<SlowUpload> StartAsync(int port, Checkup.Core.Auth.AuthOptions auth, string owner, int firstBytes)
        {
            var body = new MemoryStream();
            body.Write(Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n"));
            body.Write(TestImages.Png(totalBytes: 2 * 1024 * 1024));
            body.Write(Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n"));
            var bytes = body.ToArray();
            var token = Checkup.Core.Auth.DevTokens.Mint(auth, owner, admin: false, TimeSpan.FromHours(1));
            var head = Encoding.ASCII.GetBytes(
                $"POST /api/images HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n" +
                $"Content-Type: multipart/form-data; boundary={Boundary}\r\nContent-Length: {bytes.Length}\r\n\r\n");

            var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var upload = new SlowUpload(tcp, bytes[firstBytes..]);
            await upload._stream.WriteAsync(head);
            await upload._stream.WriteAsync(bytes.AsMemory(0, firstBytes));
            return upload;
        }

        public void Drip(TimeSpan every, int bytes = 1) => _drip = Task.Run(async () =>
        {
            try
            {
                for (var sent = 0; sent < _rest.Length - 1 && !_stop.IsCancellationRequested; sent += bytes)
                {
                    await Task.Delay(every, _stop.Token);
                    await _stream.WriteAsync(_rest.AsMemory(sent, Math.Min(bytes, _rest.Length - 1 - sent)), _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
                // the server answered and closed, or the test is over
            }
        });

        /// <summary>
        /// The status and JSON body of the answer. The server closes the connection after it (it does not read the rest
        /// of the body), so everything up to the close is the answer; bounded, so a server that never answers fails the
        /// test instead of hanging it.
        /// </summary>
        public async Task<(HttpStatusCode Status, string Body)> ResponseAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var received = new MemoryStream();
            var buffer = new byte[8192];
            try
            {
                int read;
                while ((read = await _stream.ReadAsync(buffer, timeout.Token)) > 0)
                {
                    received.Write(buffer, 0, read);
                }
            }
            catch (IOException)
            {
                // a reset after the answer: what arrived is all there is
            }

            await _stop.CancelAsync();
            var text = Encoding.UTF8.GetString(received.ToArray());
            Assert.StartsWith("HTTP/1.1 ", text, StringComparison.Ordinal);
            var status = (HttpStatusCode)int.Parse(text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            var body = text[text.IndexOf('{', StringComparison.Ordinal)..(text.LastIndexOf('}') + 1)]; // the JSON inside the chunk framing
            return (status, body);
        }

        public async ValueTask DisposeAsync()
        {
            if (_tcp.Client is null)
            {
                return; // disposed already
            }

            await _stop.CancelAsync();
            _tcp.Dispose();
            await _drip;
        }
    }
}
