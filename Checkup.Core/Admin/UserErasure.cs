using Azure;
using Azure.Storage.Blobs.Models;
using Checkup.Core.Cloudinary;
using Checkup.Core.Images;
using Checkup.Core.Storage;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Checkup.Core.Admin;

/// <summary>
/// Erases one person's data: their submission, their images' rows (and idempotency keys), staged blobs and
/// Cloudinary assets (destroyed with CDN invalidation). Each pass locks the person's rows first (FOR UPDATE), deletes
/// the copies outside the database while holding them, and deletes the rows last, in one transaction:
/// <list type="bullet">
/// <item>a crash or a Cloudinary/storage failure midway rolls the rows back, so repeating the request finds them and
/// finishes (a destroy of a missing asset and a delete of a missing blob count as done);</item>
/// <item>a ProcessImage pushing one of the images holds its row lock for the whole push: the pass waits for it and
/// destroys what it pushed; one that starts later skips the locked row, then finds none;</item>
/// <item>the cleanup picks rows with SKIP LOCKED, so it never works on a row being erased.</item>
/// </list>
/// Everything is selected by the person's id (<c>author_id</c>, <c>owner_id</c>, the staged blob's <c>owner</c> tag);
/// nobody else's rows, blobs or assets are touched. Cloudinary destroys and blob deletes run side by side, at most
/// <see cref="MaxConcurrentDestroys"/> at once, so the rows stay locked for a fraction of N sequential round trips.
/// </summary>
public sealed class UserErasure(
    NpgsqlDataSource dataSource,
    StorageClients storage,
    CloudinaryClient cloudinary,
    TimeProvider clock,
    ILogger<UserErasure> logger)
{
    /// <summary>A pass that found something is followed by one more (the person may have been active meanwhile).</summary>
    private const int MaxPasses = 3;

    /// <summary>Cloudinary destroys (and staged blob deletes) in flight at once for one erasure.</summary>
    internal const int MaxConcurrentDestroys = 8;

    private sealed record OwnedImage
    {
        public Guid Id { get; init; }
        public string? LocalPath { get; init; }
    }

    private sealed class Tally(string sub)
    {
        public Guid? SubmissionId;
        public readonly List<Guid> Images = [];
        public int IdempotencyKeys;
        public readonly List<string> BlobsDeleted = [], BlobsGone = [], AssetsDeleted = [], AssetsGone = [];

        public ErasureReceipt Receipt(DateTime at, bool completed) => new(sub, at, completed, SubmissionId, Images.ToList(), IdempotencyKeys,
            new ErasedItems(BlobsDeleted.Distinct().ToList(), BlobsGone.Distinct().Except(BlobsDeleted).ToList()),
            new ErasedItems(AssetsDeleted.Distinct().ToList(), AssetsGone.Distinct().Except(AssetsDeleted).ToList()));
    }

    /// <returns>The receipt; <c>Completed</c> is false (with <paramref name="failure"/> set) when an outside store failed.</returns>
    public async Task<(ErasureReceipt Receipt, string? Failure)> EraseAsync(string sub, CancellationToken ct)
    {
        var tally = new Tally(sub);
        string? failure = null;
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            bool found;
            try
            {
                found = await PassAsync(sub, tally, ct);
            }
            catch (ErasureBlockedException e)
            {
                failure = e.Message;
                break;
            }

            if (!found)
            {
                break;
            }
        }

        var receipt = tally.Receipt(clock.GetUtcNow().UtcDateTime, failure is null);
        if (failure is null)
        {
            logger.LogInformation("Erased the data of user {Sub}: {Counts}", sub, receipt.Deleted);
        }
        else
        {
            logger.LogWarning("Erasing the data of user {Sub} stopped, nothing was removed from the database in that pass: {Failure}", sub, failure);
        }

        return (receipt, failure);
    }

    /// <returns>Whether the pass found anything of the person.</returns>
    private async Task<bool> PassAsync(string sub, Tally tally, CancellationToken ct)
    {
        const string lockSubmission = "select id from submissions where author_id = @sub for update";
        const string lockImages = "select id, local_path from images where owner_id = @sub order by id for update";
        const string deleteSubmission = "delete from submissions where id = @submissionId";
        const string deleteKeys = "delete from image_idempotency_keys where owner_id = @sub";
        const string deleteImages = "delete from images where id = any(@ids)";

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var submissionId = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(lockSubmission, new { sub }, transaction, cancellationToken: ct));
        var images = (await connection.QueryAsync<OwnedImage>(new CommandDefinition(lockImages, new { sub }, transaction, cancellationToken: ct))).ToList();

        // Cloudinary first: a push may have reached it whatever the status says (even one whose answer was lost). The
        // calls run side by side, a bounded number at a time: the rows stay locked for about N / MaxConcurrentDestroys
        // round trips, not N.
        await BoundedAsync(images.Select(i => CloudinaryClient.PublicIdFor(i.Id)).ToList(), async (publicId, token) =>
        {
            var destroyed = await cloudinary.DestroyAsync(publicId, token);
            if (!destroyed.Deleted)
            {
                throw new ErasureBlockedException($"Cloudinary asset {publicId} could not be deleted: {destroyed.Failure}");
            }

            lock (tally)
            {
                (destroyed.Found ? tally.AssetsDeleted : tally.AssetsGone).Add(publicId);
            }
        }, ct);

        var blobs = images.SelectMany(i => new[] { ImageUploads.BlobName(i.Id), i.LocalPath }).OfType<string>().ToHashSet();
        await foreach (var staged in OwnedBlobsAsync(sub, ct))
        {
            blobs.Add(staged); // staged for this person without a row (an upload cut short by a crash or by an erasure)
        }

        var foundBlob = false;
        await BoundedAsync(blobs.ToList(), async (name, token) =>
        {
            var existed = await StorageAsync(() => storage.Staging.DeleteBlobIfExistsAsync(name, DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: token), name);
            lock (tally)
            {
                (existed ? tally.BlobsDeleted : tally.BlobsGone).Add(name);
                foundBlob |= existed;
            }
        }, ct);

        if (submissionId is null && images.Count == 0)
        {
            return foundBlob;
        }

        // Rows last (the submission first: it references the images), so until this commits a repeat can still find everything.
        var ids = images.Select(i => i.Id).ToArray();
        await connection.ExecuteAsync(new CommandDefinition(deleteSubmission, new { submissionId }, transaction, cancellationToken: ct));
        var keys = await connection.ExecuteAsync(new CommandDefinition(deleteKeys, new { sub }, transaction, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(deleteImages, new { ids }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        tally.IdempotencyKeys += keys;
        tally.SubmissionId ??= submissionId;
        tally.Images.AddRange(ids);
        return true;
    }

    /// <summary>
    /// Runs <paramref name="step"/> for every item, at most <see cref="MaxConcurrentDestroys"/> at once. The first
    /// <see cref="ErasureBlockedException"/> stops the rest (those in flight are cancelled) and is what this throws.
    /// </summary>
    private static async Task BoundedAsync(IReadOnlyList<string> items, Func<string, CancellationToken, Task> step, CancellationToken ct)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentDestroys, CancellationToken = ct };
        var work = Parallel.ForEachAsync(items, options, async (item, token) => await step(item, token));
        try
        {
            await work;
        }
        catch (Exception) when (work.Exception?.InnerExceptions.OfType<ErasureBlockedException>().FirstOrDefault() is { } blocked)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(blocked);
        }
    }

    /// <summary>
    /// Staged blobs tagged with the person's owner tag (<see cref="StagedMetadata.Tags"/>), found by storage's tag index
    /// instead of listing the container. Blobs staged before uploads carried the tag are found through their rows only.
    /// </summary>
    private async IAsyncEnumerable<string> OwnedBlobsAsync(string sub, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var blobs = storage.Staging.FindBlobsByTagsAsync(StagedMetadata.OwnerFilter(sub), ct).GetAsyncEnumerator(ct);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await blobs.MoveNextAsync();
                }
                catch (Exception e) when (e is RequestFailedException or AggregateException or IOException or TimeoutException)
                {
                    throw new ErasureBlockedException("The person's staged blobs could not be looked up: " + e.Message.Split('\n')[0]);
                }

                if (!more)
                {
                    yield break;
                }

                yield return blobs.Current.BlobName;
            }
        }
        finally
        {
            await blobs.DisposeAsync();
        }
    }

    private static async Task<bool> StorageAsync(Func<Task<Response<bool>>> delete, string name)
    {
        try
        {
            return (await delete()).Value;
        }
        catch (Exception e) when (e is RequestFailedException or AggregateException or IOException or TimeoutException)
        {
            throw new ErasureBlockedException($"Staged blob {name} could not be deleted: {e.Message.Split('\n')[0]}");
        }
    }

    private sealed class ErasureBlockedException(string message) : Exception(message);
}
