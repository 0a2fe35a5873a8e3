using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Checkup.Core.Cloudinary;

/// <summary>
/// Cloudinary's upload API, called directly (typed HttpClient). Every request is signed at send time, so a retry
/// never reuses a stale signature. Failures come back as values that say whether a later retry can help;
/// only a failure of the caller's own source stream (the staged blob) is thrown, since that is not Cloudinary's.
/// </summary>
public sealed class CloudinaryClient(HttpClient http, IOptions<CloudinaryOptions> options, TimeProvider clock)
{
    /// <summary>Deterministic and never reused (image ids are uuids): a repeated push overwrites, never duplicates.</summary>
    public static string PublicIdFor(Guid imageId) => $"checkup/{imageId}";

    /// <summary>Streams <paramref name="content"/> as the <c>file</c> part; with <c>overwrite=true</c> a repeat becomes a new version of the same asset.</summary>
    public async Task<CloudinaryUploadResult> UploadAsync(string publicId, Stream content, long? length, string fileName, CancellationToken ct)
    {
        var o = options.Value;
        var fields = Signed(o, [new("public_id", publicId), new("overwrite", "true")]);
        var source = new SourceStream(content);
        using var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            var text = new StringContent(value);
            text.Headers.ContentType = null; // plain form fields, as Cloudinary's SDKs send them
            form.Add(text, name);
        }

        var file = new StreamContent(source, 64 * 1024);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (length is { } known)
        {
            file.Headers.ContentLength = known; // lets the whole request carry a Content-Length instead of being chunked
        }

        form.Add(file, "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint(o, "image/upload")) { Content = form };
        try
        {
            return await SendAsync(request, o, ParseAsset, CloudinaryUploadResult.Failed, ct);
        }
        finally
        {
            if (source.Failure is { } failure)
            {
                ExceptionDispatchInfo.Throw(failure);
            }
        }
    }

    /// <summary>Deletes the asset and invalidates CDN copies; "not found" counts as deleted.</summary>
    public async Task<CloudinaryDestroyResult> DestroyAsync(string publicId, CancellationToken ct)
    {
        var o = options.Value;
        var fields = Signed(o, [new("public_id", publicId), new("invalidate", "true")]);
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint(o, "image/destroy")) { Content = new FormUrlEncodedContent(fields) };
        return await SendAsync(request, o, ParseDestroy, f => new CloudinaryDestroyResult(false, f), ct);
    }

    private List<KeyValuePair<string, string>> Signed(CloudinaryOptions o, List<KeyValuePair<string, string>> fields)
    {
        fields.Add(new("timestamp", clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        var signature = CloudinarySignature.Sign(fields, o.ApiSecret);
        fields.Add(new("api_key", o.ApiKey));
        fields.Add(new("signature", signature));
        return fields;
    }

    private static Uri Endpoint(CloudinaryOptions o, string action)
    {
        var root = o.ApiBaseUrl.AbsoluteUri.EndsWith('/') ? o.ApiBaseUrl : new Uri(o.ApiBaseUrl.AbsoluteUri + "/");
        return new Uri(root, $"v1_1/{Uri.EscapeDataString(o.CloudName)}/{action}");
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CloudinaryOptions o,
        Func<JsonElement, T?> parse, Func<CloudinaryFailure, T> failed, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(o.Timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            var json = TryParse(body);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return json is { } ok && parse(ok) is { } result
                    ? result
                    : failed(new CloudinaryFailure(true, status, "unexpected answer: " + Shorten(body)));
            }

            var message = ErrorMessage(json) ?? response.ReasonPhrase ?? "no message";
            return failed(new CloudinaryFailure(IsRetryable(status, message), status, message));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return failed(new CloudinaryFailure(true, null, $"Cloudinary did not answer within {o.Timeout.TotalSeconds:0.#} s"));
        }
        catch (HttpRequestException e)
        {
            return failed(new CloudinaryFailure(true, null, "Cloudinary could not be reached: " + e.Message));
        }
    }

    /// <summary>Rate limits (420, 429), server trouble (5xx) and a stale timestamp (signed anew next time) can pass; other 4xx will not.</summary>
    internal static bool IsRetryable(int status, string message) =>
        status is 420 or 429 or >= 500 ||
        (status == 400 && message.Contains("Stale request", StringComparison.OrdinalIgnoreCase));

    private static CloudinaryUploadResult? ParseAsset(JsonElement json)
    {
        if (Text(json, "secure_url") is not { } url || Text(json, "public_id") is not { } publicId ||
            !json.TryGetProperty("version", out var version) || !version.TryGetInt64(out var v))
        {
            return null;
        }

        return CloudinaryUploadResult.Stored(new CloudinaryAsset(publicId, v, url, Text(json, "asset_id"),
            Number(json, "width") is { } w ? (int)w : null, Number(json, "height") is { } h ? (int)h : null, Number(json, "bytes")));
    }

    private static CloudinaryDestroyResult? ParseDestroy(JsonElement json) => Text(json, "result") switch
    {
        "ok" => new CloudinaryDestroyResult(true, null, Found: true),
        "not found" => new CloudinaryDestroyResult(true, null, Found: false),
        { } other => new CloudinaryDestroyResult(false, new CloudinaryFailure(true, 200, "destroy answered " + other)),
        null => null,
    };

    private static JsonElement? TryParse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ErrorMessage(JsonElement? json) =>
        json is { } j && j.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object ? Text(error, "message") : null;

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.TryGetInt64(out var n) ? n : null;

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
