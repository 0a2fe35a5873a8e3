using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Checkup.Core.Images;

/// <summary>
/// A file of unknown length (a chunked body) is staged one block at a time: blocks stay uncommitted (invisible,
/// garbage-collected by storage) until the whole file has passed every check, and memory holds one block.
/// </summary>
public sealed partial class ImageUploads
{
    private async Task<(StagedImage? Staged, UploadOutcome? Failed)> StageBlocksAsync(Guid id, string ownerId, Stream file, byte[] buffer,
        int filled, ImageSniffer sniffer, CancellationToken ct)
    {
        var o = options.Value;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var blob = storage.Staging.GetBlockBlobClient(BlobName(id));
        var blocks = new List<string>();
        long total = filled;
        while (filled > 0)
        {
            hash.AppendData(buffer, 0, filled);
            var blockId = Convert.ToBase64String(Encoding.ASCII.GetBytes(blocks.Count.ToString("D8", CultureInfo.InvariantCulture)));
            if (await StorageStepAsync(id, () => blob.StageBlockAsync(blockId, new MemoryStream(buffer, 0, filled, writable: false), cancellationToken: ct), ct) is { } failed)
            {
                return (null, failed);
            }

            blocks.Add(blockId);
            filled = await FillAsync(file, buffer, BlockSize, ct);
            total += filled;
            if (filled > 0 && Check(sniffer, buffer, filled, total, filled < BlockSize, o) is { } refused)
            {
                return (null, refused);
            }
        }

        sniffer.Finish();
        if (Refusal(sniffer, o) is { } truncated)
        {
            return (null, truncated);
        }

        var staged = Staged(id, sniffer, total, Convert.ToHexStringLower(hash.GetHashAndReset()));
        var commit = new CommitBlockListOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = staged.ContentType },
            Metadata = StagedMetadata.From(staged, ownerId),
            Tags = StagedMetadata.Tags(ownerId),
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, // never replaces bytes already staged
        };
        return await StorageStepAsync(id, () => blob.CommitBlockListAsync(blocks, commit, ct), ct) is { } commitFailed
            ? (null, commitFailed)
            : (staged, null);
    }
}
