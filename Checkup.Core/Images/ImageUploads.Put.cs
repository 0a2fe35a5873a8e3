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
            if (body.Complete)
            {
                await DeleteAsync(blob, id); // the answer was lost: the Put may have been stored all the same
            }

            return (null, await FailStagingAsync(id, e));
        }
        catch (Exception) when (body.Complete)
        {
            await DeleteAsync(blob, id); // the client went away while storage answered
            throw;
        }

        var header = sniffer.Header!;
        var staged = new StagedImage(BlobName(id), header.ContentType, length, header.Width, header.Height, body.Sha256);
        if (storedMd5 is not null && !storedMd5.AsSpan().SequenceEqual(body.Md5))
        {
            await DeleteAsync(blob, id);
            return (null, await FailStagingAsync(id, new IOException("Storage holds other bytes than were sent (Content-MD5 differs).")));
        }

        // The hash is known only now; the cleanup completes an interrupted upload from this metadata.
        if (await StorageStepAsync(id, () => blob.SetMetadataAsync(StagedMetadata.From(staged, ownerId), cancellationToken: ct), ct) is { } failed)
        {
            await DeleteAsync(blob, id);
            return (null, failed);
        }

        return (staged, null);
    }

    private async Task DeleteAsync(BlockBlobClient blob, Guid id)
    {
        try
        {
            await blob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "The staging blob of image {ImageId}, which was not kept, could not be deleted", id);
        }
    }
}
