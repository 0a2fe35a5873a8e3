using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Checkup.CloudinaryLocal;

/// <summary>One stored asset: what the upload answer and the delivery URL are made of.</summary>
public sealed record LocalAsset(
    string PublicId,
    long Version,
    int Versions,
    string Format,
    int Width,
    int Height,
    long Bytes,
    string Etag,
    string Sha256,
    DateTime CreatedAt,
    string OriginalFilename)
{
    public string AssetId => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(PublicId)));
}

/// <summary>
/// Assets on disk under one folder per cloud: the bytes in <c>&lt;key&gt;.&lt;format&gt;</c> and the record in
/// <c>&lt;key&gt;.json</c>, the key being a hash of the public id (a public id holds slashes and any character, a file
/// name cannot). The records are read once at start and kept in memory; a write replaces the files by rename, so a
/// crash leaves either the old or the new asset.
/// </summary>
public sealed class AssetStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _folder;
    private readonly ConcurrentDictionary<string, LocalAsset> _assets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private long _lastVersion;

    public AssetStore(string folder)
    {
        _folder = folder;
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.EnumerateFiles(folder, "*.json"))
        {
            if (JsonSerializer.Deserialize<LocalAsset>(File.ReadAllBytes(file), Json) is { } asset)
            {
                _assets[asset.PublicId] = asset;
                _lastVersion = Math.Max(_lastVersion, asset.Version);
            }
        }
    }

    public int Count => _assets.Count;

    public IReadOnlyCollection<LocalAsset> All => _assets.Values.ToArray();

    public LocalAsset? Find(string publicId) => _assets.TryGetValue(publicId, out var asset) ? asset : null;

    public string PathOf(LocalAsset asset) => Path.Combine(_folder, Key(asset.PublicId) + "." + asset.Format);

    /// <summary>
    /// Stores <paramref name="bytes"/> as <paramref name="publicId"/>: a new asset, a new version of an existing one
    /// (<paramref name="overwrite"/>), or nothing when it exists and may not be overwritten.
    /// </summary>
    /// <returns>the asset now stored, and whether it existed before.</returns>
    public async Task<(LocalAsset Asset, bool Existed)> PutAsync(string publicId, bool overwrite, byte[] bytes, ImageInfo info, string originalFilename)
    {
        var gate = _locks.GetOrAdd(publicId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            var existing = Find(publicId);
            if (existing is not null && !overwrite)
            {
                return (existing, true);
            }

            var asset = new LocalAsset(publicId, NextVersion(), (existing?.Versions ?? 0) + 1, info.Format, info.Width, info.Height,
                bytes.LongLength, Convert.ToHexStringLower(MD5.HashData(bytes)), Convert.ToHexStringLower(SHA256.HashData(bytes)),
                DateTime.UtcNow, originalFilename);
            await ReplaceAsync(PathOf(asset), bytes);
            await ReplaceAsync(RecordPath(publicId), JsonSerializer.SerializeToUtf8Bytes(asset, Json));
            if (existing is not null && existing.Format != asset.Format)
            {
                File.Delete(PathOf(existing));
            }

            _assets[publicId] = asset;
            return (asset, existing is not null);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Forgets the asset; its bytes are deleted unless <paramref name="keepBytes"/> (the CDN still holds a copy).</summary>
    public async Task<LocalAsset?> RemoveAsync(string publicId, bool keepBytes)
    {
        var gate = _locks.GetOrAdd(publicId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            if (!_assets.TryRemove(publicId, out var asset))
            {
                return null;
            }

            File.Delete(RecordPath(publicId));
            if (!keepBytes)
            {
                File.Delete(PathOf(asset));
            }

            return asset;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Cloudinary's versions are the upload's Unix time; one asset's versions only grow, even within a second.</summary>
    private long NextVersion()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        while (true)
        {
            var last = Interlocked.Read(ref _lastVersion);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _lastVersion, next, last) == last)
            {
                return next;
            }
        }
    }

    private string RecordPath(string publicId) => Path.Combine(_folder, Key(publicId) + ".json");

    private static string Key(string publicId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(publicId)))[..32];

    private static async Task ReplaceAsync(string path, byte[] bytes)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
