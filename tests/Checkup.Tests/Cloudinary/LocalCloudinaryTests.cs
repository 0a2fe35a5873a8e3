using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Checkup.CloudinaryLocal;
using Checkup.Core.Cloudinary;
using Checkup.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Checkup.Tests.Cloudinary;

/// <summary>
/// The local Cloudinary (tools/CloudinaryLocal) as the app and a browser meet it: Cloudinary's answers, the delivery
/// URLs it hands out serving the stored bytes, destroy with and without invalidate, assets kept on disk.
/// </summary>
public sealed class LocalCloudinaryTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "checkup-local-cloudinary-" + Guid.NewGuid().ToString("N"));
    private readonly LocalAccount _account = new("local-key", "local-secret", "local-cloud");
    private readonly HttpClient _http = new();
    private Microsoft.AspNetCore.Builder.WebApplication _app = null!;
    private Uri _baseUrl = null!;

    public async Task InitializeAsync() => (_app, _, _baseUrl) = await LocalCloudinary.StartAsync(new LocalCloudinaryOptions(_account, _data), "http://127.0.0.1:0");

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private CloudinaryClient Client(string? secret = null) => new(_http, Options.Create(new CloudinaryOptions
    {
        Url = $"cloudinary://{_account.ApiKey}:{secret ?? _account.ApiSecret}@{_account.CloudName}",
        ApiBaseUrl = _baseUrl,
        Timeout = TimeSpan.FromSeconds(10),
    }), TimeProvider.System);

    private static Task<CloudinaryUploadResult> UploadAsync(CloudinaryClient client, string publicId, byte[] bytes) =>
        client.UploadAsync(publicId, new MemoryStream(bytes), bytes.Length, "photo", CancellationToken.None);

    [Theory]
    [InlineData("png", 320, 200)]
    [InlineData("jpg", 640, 480)]
    [InlineData("webp", 300, 150)]
    [InlineData("gif", 12, 34)]
    public async Task An_upload_answers_with_cloudinary_fields_and_its_delivery_url_serves_the_exact_bytes(string format, int width, int height)
    {
        var bytes = format switch
        {
            "png" => TestImages.Png(width, height),
            "jpg" => TestImages.Jpeg(width, height, app1Segments: 1),
            "webp" => TestImages.WebP("VP8L", width, height),
            _ => TestImages.Gif(width, height),
        };
        var publicId = $"checkup/{Guid.NewGuid()}";

        var result = await UploadAsync(Client(), publicId, bytes);

        var asset = Assert.IsType<CloudinaryAsset>(result.Asset);
        Assert.Equal(publicId, asset.PublicId);
        Assert.Equal((width, height, (long)bytes.Length), (asset.Width, asset.Height, asset.Bytes));
        Assert.Equal($"{_baseUrl}{_account.CloudName}/image/upload/v{asset.Version}/{publicId}.{format}", asset.SecureUrl);
        using var delivered = await _http.GetAsync(asset.SecureUrl);
        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await delivered.Content.ReadAsByteArrayAsync()));
        Assert.Equal(format == "jpg" ? "image/jpeg" : $"image/{format}", delivered.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_answer_has_the_fields_cloudinary_documents()
    {
        var bytes = TestImages.Png(64, 48);
        using var response = await PostAsync("image/upload", new() { ["public_id"] = "checkup/fields", ["overwrite"] = "true" }, bytes);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var field in new[] { "asset_id", "public_id", "version", "width", "height", "format", "resource_type", "created_at", "bytes", "type", "etag", "url", "secure_url", "original_filename" })
        {
            Assert.True(json.TryGetProperty(field, out _), $"missing {field} in {json}");
        }

        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(bytes)), json.GetProperty("etag").GetString());
        Assert.Equal("png", json.GetProperty("format").GetString());
        Assert.Equal("upload", json.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Overwriting_makes_a_new_version_of_one_asset_and_the_url_serves_the_new_bytes()
    {
        var first = (await UploadAsync(Client(), "checkup/same", TestImages.Png(10, 10))).Asset!;
        var newer = TestImages.Gif(20, 20);
        var second = (await UploadAsync(Client(), "checkup/same", newer)).Asset!;

        Assert.True(second.Version > first.Version);
        Assert.Equal(SHA256.HashData(newer), SHA256.HashData(await _http.GetByteArrayAsync(second.SecureUrl)));
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(first.SecureUrl)).StatusCode); // .png: the asset is a gif now
    }

    [Fact]
    public async Task Destroy_with_invalidate_makes_the_url_404_and_a_repeat_answers_not_found()
    {
        var asset = (await UploadAsync(Client(), "checkup/gone", TestImages.Png())).Asset!;

        var destroyed = await Client().DestroyAsync("checkup/gone", CancellationToken.None);
        var again = await Client().DestroyAsync("checkup/gone", CancellationToken.None);

        Assert.True(destroyed.Deleted);
        Assert.True(destroyed.Found);
        Assert.True(again.Deleted);
        Assert.False(again.Found);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(asset.SecureUrl)).StatusCode);
    }

    [Fact]
    public async Task Destroy_without_invalidate_leaves_the_cdn_copy_served()
    {
        var asset = (await UploadAsync(Client(), "checkup/cached", TestImages.Png())).Asset!;

        using var response = await PostAsync("image/destroy", new() { ["public_id"] = "checkup/cached" });

        Assert.Equal("""{"result":"ok"}""", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(asset.SecureUrl)).StatusCode);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_with_401_in_cloudinarys_error_shape_and_stores_nothing()
    {
        var result = await UploadAsync(Client("wrong-secret"), "checkup/refused", TestImages.Png());
        using var raw = await PostAsync("image/upload", new() { ["public_id"] = "checkup/refused" }, TestImages.Png(), secret: "wrong-secret");
        var json = JsonDocument.Parse(await raw.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(401, result.Failure?.StatusCode);
        Assert.False(result.Failure!.Retryable);
        Assert.Equal(HttpStatusCode.Unauthorized, raw.StatusCode);
        Assert.StartsWith("Invalid Signature", json.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"{_baseUrl}{_account.CloudName}/image/upload/v1/checkup/refused.png")).StatusCode);
    }

    [Theory]
    [InlineData("stale", 400, "Stale request")]
    [InlineData("api_key", 401, "Unknown API key")]
    [InlineData("cloud", 404, "Invalid cloud_name")]
    [InlineData("not an image", 400, "Invalid image file")]
    public async Task Refusals_carry_cloudinarys_status_and_message(string fault, int status, string message)
    {
        using var response = fault switch
        {
            "stale" => await PostAsync("image/upload", new() { ["public_id"] = "x" }, TestImages.Png(), timestamp: DateTimeOffset.UtcNow.AddHours(-2)),
            "api_key" => await PostAsync("image/upload", new() { ["public_id"] = "x" }, TestImages.Png(), apiKey: "someone-else"),
            "cloud" => await PostAsync("image/upload", new() { ["public_id"] = "x" }, TestImages.Png(), cloud: "another-cloud"),
            _ => await PostAsync("image/upload", new() { ["public_id"] = "x" }, "<html>not an image</html>"u8.ToArray()),
        };
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(status, (int)response.StatusCode);
        Assert.StartsWith(message, json.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory] // cloudinary.md's test vectors (secret "abcd")
    [InlineData("public_id=sample_image", "b4ad47fb4e25c7bf5f92a20089f9db59bc302313")]
    [InlineData("public_id=sample", "c3470533147774275dd37996cc4d0e68fd03cd4f")]
    [InlineData("eager=w_400,h_300,c_pad|w_260,h_200,c_crop&public_id=sample_image", "bfd09f95f331f558cbd1320e67aa8d488770583e")]
    public void The_string_to_sign_matches_cloudinarys_test_vectors(string fields, string signature)
    {
        var form = new FormCollection(fields.Split('&').Select(f => f.Split('=', 2)).ToDictionary(p => p[0], p => new StringValues(p[1])));
        var withTimestamp = new FormCollection(new Dictionary<string, StringValues>(form) { ["timestamp"] = "1315060510", ["api_key"] = "ignored", ["signature"] = "ignored" });

        var toSign = SignedRequest.StringToSign(withTimestamp);

        Assert.Equal(signature, Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(toSign + "abcd"))));
    }

    [Fact]
    public async Task Assets_stay_on_disk_across_a_restart()
    {
        var bytes = TestImages.Jpeg(200, 100);
        var asset = (await UploadAsync(Client(), "checkup/kept", bytes)).Asset!;
        await _app.DisposeAsync();

        (_app, var restarted, _baseUrl) = await LocalCloudinary.StartAsync(new LocalCloudinaryOptions(_account, _data), "http://127.0.0.1:0");
        var url = $"{_baseUrl}{_account.CloudName}/image/upload/v{asset.Version}/checkup/kept.jpg";

        Assert.Equal(asset.Version, restarted.Store.Find("checkup/kept")?.Version);
        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await _http.GetByteArrayAsync(url)));
        Assert.True((await UploadAsync(Client(), "checkup/kept", bytes)).Asset!.Version > asset.Version);
    }

    /// <summary>A signed request written by hand (to send what the app's client never sends).</summary>
    private async Task<HttpResponseMessage> PostAsync(string action, Dictionary<string, string> fields, byte[]? file = null, string? secret = null,
        DateTimeOffset? timestamp = null, string? apiKey = null, string? cloud = null)
    {
        fields["timestamp"] = (timestamp ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var toSign = string.Join('&', fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"));
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        form.Add(new StringContent(apiKey ?? _account.ApiKey), "api_key");
        form.Add(new StringContent(Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(toSign + (secret ?? _account.ApiSecret))))), "signature");
        if (file is not null)
        {
            form.Add(new ByteArrayContent(file), "file", "photo.png");
        }

        return await _http.PostAsync(new Uri(_baseUrl, $"v1_1/{cloud ?? _account.CloudName}/{action}"), form);
    }
}
