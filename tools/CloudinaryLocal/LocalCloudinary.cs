using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Checkup.CloudinaryLocal;

/// <summary>
/// What Checkup uses of Cloudinary, served locally: the signed Upload API (<c>image/upload</c> with
/// <c>public_id</c> and <c>overwrite</c>, <c>image/destroy</c> with <c>invalidate</c>) answering with Cloudinary's
/// fields and error shape, assets kept on disk, and the delivery URLs it hands out
/// (<c>/&lt;cloud&gt;/image/upload/v&lt;version&gt;/&lt;public_id&gt;.&lt;format&gt;</c>) serving the stored bytes.
/// A destroy without <c>invalidate</c> leaves the delivery URL answering with the old bytes, as Cloudinary's CDN does
/// until its cache expires (here: until the server restarts).
/// </summary>
public sealed class LocalCloudinary
{
    private readonly LocalCloudinaryOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, LocalAsset> _cdnCopies = new(StringComparer.Ordinal);

    public LocalCloudinary(LocalCloudinaryOptions options, ILogger? logger = null, TimeProvider? clock = null)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
        Store = new AssetStore(Path.Combine(options.DataDirectory, options.Account.CloudName));
    }

    public LocalAccount Account => _options.Account;
    public AssetStore Store { get; }

    /// <summary>Where tests inject failures; null for the plain server.</summary>
    public CloudinaryFaults? Faults { get; set; }

    /// <summary>Starts a server on <paramref name="url"/> (port 0: any free port) and returns it with the address it listens on.</summary>
    public static async Task<(WebApplication App, LocalCloudinary Cloudinary, Uri BaseUrl)> StartAsync(LocalCloudinaryOptions options, string url,
        Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Limits.MaxRequestBodySize = 100 * 1024 * 1024).UseUrls(url); // Cloudinary's request cap
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        var app = builder.Build();
        var cloudinary = new LocalCloudinary(options, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CloudinaryLocal"));
        cloudinary.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, cloudinary, new Uri(address.TrimEnd('/') + "/"));
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1_1/{cloud}/image/upload", UploadAsync);
        routes.MapPost("/v1_1/{cloud}/image/destroy", DestroyAsync);
        routes.MapGet("/{cloud}/image/upload/{**path}", DeliverAsync);
    }

    private async Task UploadAsync(HttpContext context, string cloud)
    {
        Faults?.UploadReceived();
        if (await ReadFormAsync(context) is not { } form)
        {
            return;
        }

        if (SignedRequest.Refusal(_options, cloud, form, _clock.GetUtcNow()) is { } refusal)
        {
            await ErrorAsync(context, refusal);
            return;
        }

        if (form.Files.GetFile("file") is not { } file)
        {
            await ErrorAsync(context, new(400, "Missing required parameter - file"));
            return;
        }

        if (file.Length > _options.MaxImageBytes)
        {
            await ErrorAsync(context, new(400, $"File size too large. Got {file.Length}. Maximum is {_options.MaxImageBytes}."));
            return;
        }

        var bytes = new byte[file.Length];
        await using (var content = file.OpenReadStream())
        {
            await content.ReadExactlyAsync(bytes, context.RequestAborted);
        }

        if (ImageInfo.Read(bytes) is not { } info)
        {
            await ErrorAsync(context, new(400, "Invalid image file"));
            return;
        }

        var publicId = form["public_id"].ToString();
        if (publicId.Length == 0)
        {
            publicId = Guid.NewGuid().ToString("N")[..20]; // Cloudinary makes up a random id
        }
        else if (InvalidPublicId(publicId))
        {
            await ErrorAsync(context, new(400, $"Invalid public_id {publicId}"));
            return;
        }

        if (Faults is { } before && await before.BeforeStoreAsync(context))
        {
            return;
        }

        var overwrite = form["overwrite"].ToString() is not ("false" or "0");
        var (asset, existed) = await Store.PutAsync(publicId, overwrite, bytes, info, Path.GetFileNameWithoutExtension(file.FileName));
        _cdnCopies.TryRemove(publicId, out _);
        _logger.LogInformation("Upload {PublicId}: {Outcome} version {Version} ({Format} {Width}x{Height}, {Bytes} bytes)",
            publicId, existed ? (overwrite ? "overwritten," : "exists, kept") : "new,", asset.Version, asset.Format, asset.Width, asset.Height, asset.Bytes);
        if (Faults is { } after && await after.AfterStoreAsync(context))
        {
            return;
        }

        var url = DeliveryUrl(context, asset);
        var answer = new Dictionary<string, object?>
        {
            ["asset_id"] = asset.AssetId,
            ["public_id"] = asset.PublicId,
            ["version"] = asset.Version,
            ["version_id"] = asset.Etag[..16] + asset.Version.ToString("x", CultureInfo.InvariantCulture),
            ["width"] = asset.Width,
            ["height"] = asset.Height,
            ["format"] = asset.Format,
            ["resource_type"] = "image",
            ["created_at"] = asset.CreatedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["tags"] = Array.Empty<string>(),
            ["bytes"] = asset.Bytes,
            ["type"] = "upload",
            ["etag"] = asset.Etag,
            ["placeholder"] = false,
            ["url"] = url,
            ["secure_url"] = url,
            ["asset_folder"] = "",
            ["display_name"] = asset.PublicId[(asset.PublicId.LastIndexOf('/') + 1)..],
            ["original_filename"] = asset.OriginalFilename,
        };
        if (existed)
        {
            answer[overwrite ? "overwritten" : "existing"] = true;
        }

        await context.Response.WriteAsJsonAsync(answer, context.RequestAborted);
    }

    private async Task DestroyAsync(HttpContext context, string cloud)
    {
        if (await ReadFormAsync(context) is not { } form)
        {
            return;
        }

        if (SignedRequest.Refusal(_options, cloud, form, _clock.GetUtcNow()) is { } refusal)
        {
            await ErrorAsync(context, refusal);
            return;
        }

        var publicId = form["public_id"].ToString();
        if (publicId.Length == 0)
        {
            await ErrorAsync(context, new(400, "Missing required parameter - public_id"));
            return;
        }

        if (Faults is { } faults && await faults.BeforeDestroyAsync(context))
        {
            return;
        }

        var invalidate = form["invalidate"].ToString() is "true" or "1";
        var removed = await Store.RemoveAsync(publicId, keepBytes: !invalidate);
        if (removed is not null)
        {
            if (!invalidate)
            {
                _cdnCopies[publicId] = removed;
            }

            Faults?.Destroyed(publicId, invalidate);
        }

        _logger.LogInformation("Destroy {PublicId}{Invalidate}: {Result}", publicId, invalidate ? " (invalidate)" : "", removed is null ? "not found" : "ok");
        await context.Response.WriteAsJsonAsync(new { result = removed is null ? "not found" : "ok" }, context.RequestAborted);
    }

    /// <summary>
    /// <c>[v&lt;version&gt;/]&lt;public_id&gt;.&lt;format&gt;</c>: like Cloudinary, any version number serves the current
    /// asset (the version is there to bust caches); no transformations and no format conversion.
    /// </summary>
    private async Task DeliverAsync(HttpContext context, string cloud, string path)
    {
        var dot = path.LastIndexOf('.');
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        if (slash > 1 && path[0] == 'v' && path.AsSpan(1, slash - 1).IndexOfAnyExceptInRange('0', '9') < 0)
        {
            path = path[(slash + 1)..];
            dot -= slash + 1;
        }

        var (publicId, format) = dot > 0 && dot > path.LastIndexOf('/') ? (path[..dot], path[(dot + 1)..]) : (path, "");
        var asset = cloud == Account.CloudName ? Store.Find(publicId) : null;
        var file = asset is not null ? Store.PathOf(asset) : _cdnCopies.TryGetValue(publicId, out asset) ? Store.PathOf(asset) : null;
        if (asset is null || file is null || !File.Exists(file) || (format.Length > 0 && !SameFormat(format, asset.Format)))
        {
            context.Response.StatusCode = 404;
            context.Response.Headers["X-Cld-Error"] = HeaderText($"Resource not found - {publicId}");
            return;
        }

        context.Response.ContentType = asset.Format == "jpg" ? "image/jpeg" : "image/" + asset.Format;
        context.Response.Headers.ETag = $"\"{asset.Etag}\"";
        context.Response.Headers.CacheControl = "public, max-age=60";
        await context.Response.SendFileAsync(file, context.RequestAborted);
    }

    private static bool SameFormat(string requested, string stored) =>
        string.Equals(requested, stored, StringComparison.OrdinalIgnoreCase) || (stored == "jpg" && requested.Equals("jpeg", StringComparison.OrdinalIgnoreCase));

    /// <summary>Cloudinary refuses these in a public id; a path that climbs (..) has no place in one either.</summary>
    private static bool InvalidPublicId(string publicId) =>
        publicId.Length > 255 || publicId.StartsWith('/') || publicId.EndsWith('/') || publicId.Contains("//", StringComparison.Ordinal) ||
        publicId.Split('/').Any(s => s is "." or "..") || publicId.AsSpan().IndexOfAny("?&#\\%<>\r\n\t") >= 0 || publicId.Any(char.IsControl);

    /// <summary>The URL as the caller reached this server (127.0.0.1:port locally): the app and the browser use it as is.</summary>
    private static string DeliveryUrl(HttpContext context, LocalAsset asset) =>
        $"{context.Request.Scheme}://{context.Request.Host}/{context.GetRouteValue("cloud")}/image/upload/v{asset.Version}/{asset.PublicId}.{asset.Format}";

    private static async Task<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            await ErrorAsync(context, new(400, "Missing required parameter - file"));
            return null;
        }

        try
        {
            return await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException e)
        {
            await ErrorAsync(context, new(400, $"Malformed request: {e.Message}"));
            return null;
        }
    }

    /// <summary>A header carries printable ASCII only; the message may echo anything a caller sent.</summary>
    private static string HeaderText(string text) => string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c : '?'));

    public static async Task ErrorAsync(HttpContext context, CloudinaryError error)
    {
        context.Response.StatusCode = error.Status;
        context.Response.Headers["X-Cld-Error"] = HeaderText(error.Message);
        await context.Response.WriteAsJsonAsync(new { error = new { message = error.Message } });
    }
}
