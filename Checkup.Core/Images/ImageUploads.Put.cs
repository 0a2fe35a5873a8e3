using System.Runtime.ExceptionServices;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Checkup.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Checkup.Core.Images;

/// <summary>
/// A file of known length goes to storage in one Put Blob as it streams in: about two thirds of the storage work of
/// staged blocks and their list. Its last byte is held back until every check has passed (see <see cref="WithheldBody"/>),
/// so a refused upload never completes the Put and leaves no blob.
/// </summary>
public sealed partial class ImageUploads
{
    private async Task<(StagedImage? Staged, UploadOutcome? Failed)> PutAsync(Guid id, string ownerId, Stream file, ReadOnlyMemory<byte> prefix,
        long length, ImageSniffer sniffer, CancellationToken ct)
    {
        var blob = storage.Staging.GetBlockBlobClient(BlobName(id));
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await using var body = new WithheldBody(file, prefix, length, sniffer, options.Value, abort);
        var put = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = sniffer.ContentType },
            Tags = StagedMetadata.Tags(ownerId), // with the Put itself: an erasure finds the blob from the moment it exists
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, // never replaces bytes already staged
            TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.None }, // compared below
        };
        byte[]? storedMd5;
        try
        {
            using (StreamedPut.Scope())
            {
                storedMd5 = (await blob.UploadAsync(body, put, abort.Token)).Value.ContentHash;
            }
        }
        catch (Exception) when (body.Fault is { } fault)
        {
            ExceptionDispatchInfo.Throw(fault); // the client's side broke off: storage never got the last byte
            throw;
        }
        catch (Exception) when (body.Refusal is { } refusal)
        {
            return (null, refusal);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && (IsStorageFailure(e) || e is OperationCanceledException))
        {
            // With every byte sent the answer may be what was lost: the Put may have been stored all the same.
            return (null, body.Complete ? await AbandonAsync(blob, id, e) : await FailStagingAsync(id, e));
        }
        catch (Exception) when (body.Complete)
        {
            if (!await DeleteAsync(blob, id)) // the client went away while storage answered
            {
                return (null, Unstored(id));
            }

            throw;
        }

        var staged = Staged(id, sniffer, length, body.Sha256);
        if (storedMd5 is not null && !storedMd5.AsSpan().SequenceEqual(body.Md5))
        {
            return (null, await AbandonAsync(blob, id, new IOException("Storage holds other bytes than were sent (Content-MD5 differs).")));
        }

        try
        {
            // The hash is known only now; the cleanup completes an interrupted upload from this metadata.
            await blob.SetMetadataAsync(StagedMetadata.From(staged, ownerId), cancellationToken: ct);
        }
        catch (Exception e) when (IsStorageFailure(e) && !ct.IsCancellationRequested)
        {
            return (null, await AbandonAsync(blob, id, e));
        }

        return (staged, null);
    }

    /// <summary>
    /// Removes a blob that must not be kept and marks the row <c>local-upload-failure</c>. When storage cannot even
    /// delete, the row stays <c>uploaded</c>: the cleanup then fails it and deletes the blob (which has no metadata).
    /// </summary>
    private async Task<UploadOutcome> AbandonAsync(BlockBlobClient blob, Guid id, Exception e) =>
        await DeleteAsync(blob, id) ? await FailStagingAsync(id, e) : Unstored(id);

    private UploadOutcome Unstored(Guid id)
    {
        logger.LogError("Image {ImageId} may have a staging blob that could not be deleted; the cleanup will fail the upload and delete it", id);
        return new UploadOutcome.Unavailable(id, "Storage is unavailable; the image was not stored.");
    }

    private async Task<bool> DeleteAsync(BlockBlobClient blob, Guid id)
    {
        try
        {
            await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            return true;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "The staging blob of image {ImageId}, which was not kept, could not be deleted", id);
            return false;
        }
    }
}
