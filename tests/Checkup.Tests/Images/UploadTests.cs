using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Checkup.Core.Images;
using Checkup.Tests.Infrastructure;

namespace Checkup.Tests.Images;

public sealed class UploadTests : IAsyncLifetime
{
    private ImagePipeline _pipeline = null!;

    public async Task InitializeAsync() => _pipeline = await ImagePipeline.StartAsync();

    public async Task DisposeAsync() => await _pipeline.DisposeAsync();

    [Fact]
    public async Task Upload_answers_201_with_location_stages_the_blob_and_queues_the_image_id()
    {
        var user = Users.New();
        var png = TestImages.Png(640, 480, totalBytes: 3 * 1024 * 1024 + 17); // several staging blocks

        var response = await ImagePipeline.UploadAsync(_pipeline.Client(user), png);
        var body = await ImagePipeline.Json(response);
        var id = body.GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/images/{id}", response.Headers.Location?.ToString());
        Assert.Equal("saved-locally", body.GetProperty("status").GetString());
        Assert.Equal("image/png", body.GetProperty("contentType").GetString());
        Assert.Equal(640, body.GetProperty("width").GetInt32());
        Assert.Equal(480, body.GetProperty("height").GetInt32());
        Assert.Equal(png.Length, body.GetProperty("bytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png)), body.GetProperty("sha256").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("url").ValueKind);

        var staged = (await _pipeline.Storage.Staging.GetBlobClient($"img-{id}").DownloadContentAsync()).Value;
        Assert.Equal(png, staged.Content.ToArray());
        Assert.Equal("image/png", staged.Details.ContentType);
        var message = Assert.Single(await _pipeline.TakeMessagesAsync());
        Assert.Equal(id, JsonDocument.Parse(message.Body.ToString()).RootElement.GetProperty("imageId").GetGuid());
        Assert.Equal($"img-{id}", (await _pipeline.RowAsync(id)).LocalPath);
    }

    [Fact]
    public async Task Type_is_decided_by_the_bytes_not_by_the_file_name_or_the_part_content_type()
    {
        var response = await ImagePipeline.UploadAsync(_pipeline.Client(Users.New()), TestImages.Jpeg(300, 200, app1Segments: 2), "holiday.png", "image/png");
        var body = await ImagePipeline.Json(response);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("image/jpeg", body.GetProperty("contentType").GetString());
        Assert.Equal(300, body.GetProperty("width").GetInt32());
    }

    public static TheoryData<string, int, string> Refused => new()
    {
        { "html named .jpg", 415, "unsupported_media_type" },
        { "svg", 415, "unsupported_media_type" },
        { "png declaring 100000x100000", 413, "payload_too_large" },
        { "30 MB file", 413, "payload_too_large" },
        { "empty file", 400, "bad_request" },
        { "png cut after 40 bytes", 415, "unsupported_media_type" },
        { "gif header then html", 415, "unsupported_media_type" },
        { "jpeg with a 65535x65535 second frame", 415, "unsupported_media_type" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Refused_upload_answers_4xx_with_a_reason_and_leaves_nothing_staged_queued_or_stored(string kind, int status, string code)
    {
        var user = Users.New();
        var (bytes, name, type) = kind switch
        {
            "html named .jpg" => (TestImages.Html(), "cat.jpg", "image/jpeg"),
            "svg" => (TestImages.Svg(), "logo.svg", "image/svg+xml"),
            "png declaring 100000x100000" => (TestImages.Png(100_000, 100_000), "huge.png", "image/png"),
            "30 MB file" => (TestImages.Png(100, 100, totalBytes: 30 * 1024 * 1024), "big.png", "image/png"),
            "empty file" => (Array.Empty<byte>(), "empty.png", "image/png"),
            // Headers that pass the streaming checks, in files small enough to be decoded at upload (issue 20, item 3).
            "png cut after 40 bytes" => (TestImages.TruncatedPng(), "cut.png", "image/png"),
            "gif header then html" => (TestImages.GifWithHtml(), "polyglot.gif", "image/gif"),
            "jpeg with a 65535x65535 second frame" => (TestImages.JpegWithHugeSecondFrame(), "frames.jpg", "image/jpeg"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var response = await ImagePipeline.UploadAsync(_pipeline.Client(user), bytes, name, type);
        var problem = await ImagePipeline.Json(response);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        await AssertNothingKeptAsync(user);
    }

    [Fact]
    public async Task Chunked_body_without_content_length_is_stopped_once_it_passes_the_limit()
    {
        var user = Users.New();
        var big = TestImages.Png(100, 100, totalBytes: 12 * 1024 * 1024);
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(new NonSeekableStream(big));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "file", "big.png");
        Assert.Null(form.Headers.ContentLength); // sent chunked: only the running count can stop it

        var response = await _pipeline.Client(user).PostAsync("/api/images", form);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingKeptAsync(user);
    }

    [Fact]
    public async Task Body_that_is_not_multipart_is_refused_with_415()
    {
        var user = Users.New();
        var response = await _pipeline.Client(user).PostAsync("/api/images", new ByteArrayContent(TestImages.Png()) { Headers = { ContentType = new("image/png") } });

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AssertNothingKeptAsync(user);
    }

    [Fact]
    public async Task Multipart_body_without_a_file_part_is_refused_with_400()
    {
        var user = Users.New();
        using var form = new MultipartFormDataContent { { new StringContent("hello"), "note" } };

        var response = await _pipeline.Client(user).PostAsync("/api/images", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'file'", (await ImagePipeline.Json(response)).GetProperty("detail").GetString());
        await AssertNothingKeptAsync(user);
    }

    [Fact]
    public async Task Upload_without_a_token_is_401()
    {
        var response = await ImagePipeline.UploadAsync(_pipeline.Factory.CreateClient(), TestImages.Png());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Idempotency_key_replays_the_first_answer_without_storing_the_image_twice()
    {
        var user = Users.New();
        var client = _pipeline.Client(user);
        var key = Guid.NewGuid().ToString();

        var first = await ImagePipeline.UploadAsync(client, TestImages.Png(), idempotencyKey: key);
        // The same file in another envelope (boundary, file name, declared type): the same request to the client.
        var again = await ImagePipeline.UploadAsync(client, TestImages.Png(), fileName: "renamed.bin", contentType: "application/octet-stream", idempotencyKey: key);
        var otherUser = await ImagePipeline.UploadAsync(_pipeline.Client(Users.New()), TestImages.Png(), idempotencyKey: key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var id = (await ImagePipeline.Json(first)).GetProperty("id").GetGuid();
        Assert.Equal(id, (await ImagePipeline.Json(again)).GetProperty("id").GetGuid());
        Assert.Equal("image/png", (await ImagePipeline.Json(again)).GetProperty("contentType").GetString());
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.True(again.Headers.Contains("Idempotent-Replayed"));
        Assert.Single(await _pipeline.RowsOfAsync(user));
        Assert.NotEqual(id, (await ImagePipeline.Json(otherUser)).GetProperty("id").GetGuid()); // keys are per person
        Assert.Equal(2, (await _pipeline.TakeMessagesAsync()).Count);
    }

    /// <summary>Issue 20, item 12: a key reused with another file replayed the first answer as if it were that file's.</summary>
    [Fact]
    public async Task Idempotency_key_reused_with_another_file_gets_422_and_stores_nothing()
    {
        var user = Users.New();
        var client = _pipeline.Client(user);
        var key = Guid.NewGuid().ToString();
        var first = await ImagePipeline.UploadAsync(client, TestImages.Png(), idempotencyKey: key);
        var id = (await ImagePipeline.Json(first)).GetProperty("id").GetGuid();
        await _pipeline.TakeMessagesAsync();
        var before = await _pipeline.RowAsync(id);

        var otherImage = await ImagePipeline.UploadAsync(client, TestImages.Gif(), contentType: "image/gif", idempotencyKey: key);
        var otherBytes = await ImagePipeline.UploadAsync(client, [.. TestImages.Png(), 0], idempotencyKey: key);
        var notAnImage = await ImagePipeline.UploadAsync(client, TestImages.Html(), idempotencyKey: key);

        foreach (var response in new[] { otherImage, otherBytes, notAnImage })
        {
            var problem = await ImagePipeline.Json(response);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("idempotency_key_reused", problem.GetProperty("code").GetString());
            Assert.Equal(id, problem.GetProperty("imageId").GetGuid());
            Assert.False(response.Headers.Contains("Idempotent-Replayed"));
        }

        Assert.Equal(before, Assert.Single(await _pipeline.RowsOfAsync(user)));
        Assert.Equal([$"img-{id}"], await _pipeline.StagedBlobNamesAsync());
        Assert.Equal(0, await _pipeline.QueuedCountAsync());
    }

    [Fact]
    public async Task A_refused_upload_does_not_use_up_its_idempotency_key()
    {
        var client = _pipeline.Client(Users.New());
        var key = Guid.NewGuid().ToString();

        var refused = await ImagePipeline.UploadAsync(client, TestImages.Html(), idempotencyKey: key);
        var retried = await ImagePipeline.UploadAsync(client, TestImages.Png(), idempotencyKey: key);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
    }

    [Fact]
    public async Task Image_is_readable_by_its_owner_and_admins_and_404_for_anyone_else()
    {
        var owner = Users.New();
        var id = await _pipeline.UploadImageAsync(owner);

        var byOwner = await _pipeline.Client(owner).GetAsync($"/api/images/{id}");
        var byAdmin = await _pipeline.Client(Users.New("admin"), admin: true).GetAsync($"/api/images/{id}");
        var byStranger = await _pipeline.Client(Users.New()).GetAsync($"/api/images/{id}");
        var missing = await _pipeline.Client(owner).GetAsync($"/api/images/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.OK, byOwner.StatusCode);
        var body = await ImagePipeline.Json(byOwner);
        Assert.Equal(id, body.GetProperty("id").GetGuid());
        Assert.NotEmpty(body.GetProperty("log").EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, byStranger.StatusCode);
        Assert.Equal("not_found", (await ImagePipeline.Json(byStranger)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Upload_with_a_traceparent_puts_it_into_the_queue_message()
    {
        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var response = await ImagePipeline.UploadAsync(_pipeline.Client(Users.New()), TestImages.Png(), traceparent: $"00-{traceId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var message = JsonDocument.Parse(Assert.Single(await _pipeline.TakeMessagesAsync()).Body.ToString()).RootElement;
        Assert.Contains(traceId, message.GetProperty("traceparent").GetString());
    }

    private async Task AssertNothingKeptAsync(string user)
    {
        Assert.Empty(await _pipeline.RowsOfAsync(user));
        Assert.Empty(await _pipeline.StagedBlobNamesAsync());
        Assert.Equal(0, await _pipeline.QueuedCountAsync());
    }

    /// <summary>Hides the length, so HttpClient sends the body chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
