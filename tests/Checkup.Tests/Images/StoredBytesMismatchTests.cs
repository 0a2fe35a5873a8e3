using System.Net;
using System.Text.RegularExpressions;
using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Checkup.Tests.Images;

/// <summary>
/// Storage answers a Put Blob with the MD5 of the bytes it stored; the handler compares it with the MD5 of the bytes it
/// sent. A proxy in front of Azurite reports another MD5: what bytes changed on the way look like to the handler.
/// </summary>
public sealed class StoredBytesMismatchTests
{
    [Fact]
    public async Task Upload_whose_stored_md5_differs_answers_503_marks_the_row_and_keeps_no_blob()
    {
        var blobEndpoint = Regex.Match(TestEnvironment.Storage, "BlobEndpoint=(http://[^/;]+)");
        await using var proxy = await Md5LyingProxy.StartAsync(new Uri(blobEndpoint.Groups[1].Value));
        var proxied = TestEnvironment.Storage.Replace(blobEndpoint.Groups[1].Value, proxy.Address, StringComparison.Ordinal);
        await using var pipeline = await ImagePipeline.StartAsync(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = proxied });
        var user = Users.New();

        var response = await ImagePipeline.UploadAsync(pipeline.Client(user), TestImages.Png(64, 48, totalBytes: 300_000));
        var problem = await ImagePipeline.Json(response);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("storage_unavailable", problem.GetProperty("code").GetString());
        var row = Assert.Single(await pipeline.RowsOfAsync(user));
        Assert.Equal(ImageStatus.LocalUploadFailure, row.Status);
        Assert.Contains("Content-MD5", row.Error);
        Assert.Equal(1, proxy.Lies);
        Assert.Empty(await pipeline.StagedBlobNamesAsync());
        Assert.Equal(0, await pipeline.QueuedCountAsync());
    }

    /// <summary>Forwards every request to Azurite unchanged; answers a Put Blob of a staging image with a wrong Content-MD5.</summary>
    private sealed class Md5LyingProxy : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _azurite;
        private int _lies;

        private Md5LyingProxy(WebApplication app, string address, HttpClient azurite)
        {
            _app = app;
            Address = address;
            _azurite = azurite;
        }

        public string Address { get; }

        public int Lies => _lies;

        public static async Task<Md5LyingProxy> StartAsync(Uri azurite)
        {
            Md5LyingProxy? proxy = null; // set before the test sends anything through it
            var (app, address) = await LoopbackServer.StartAsync(app => app.Run(context => proxy!.ForwardAsync(context)));
            proxy = new Md5LyingProxy(app, address, new HttpClient { BaseAddress = azurite });
            return proxy;
        }

        private async Task ForwardAsync(HttpContext context)
        {
            var incoming = context.Request;
            using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), incoming.Path + incoming.QueryString);
            if (incoming.ContentLength > 0 || incoming.Headers.TransferEncoding.Count > 0)
            {
                request.Content = new StreamContent(incoming.Body);
            }

            foreach (var (name, values) in incoming.Headers)
            {
                if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
                }
                else if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                {
                    request.Headers.TryAddWithoutValidation(name, values.ToArray());
                }
            }

            using var response = await _azurite.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            if (incoming.Method == "PUT" && incoming.Path.Value!.Contains("/img-", StringComparison.Ordinal) &&
                !incoming.Query.ContainsKey("comp") && response.Content.Headers.ContentMD5 is not null)
            {
                Interlocked.Increment(ref _lies);
                context.Response.Headers["Content-MD5"] = Convert.ToBase64String(new byte[16]);
            }

            await response.Content.CopyToAsync(context.Response.Body);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.DisposeAsync();
            _azurite.Dispose();
        }
    }
}
