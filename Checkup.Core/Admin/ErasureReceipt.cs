namespace Checkup.Core.Admin;

/// <summary>Names of things in one place: those this erasure deleted, and those that were already gone.</summary>
public sealed record ErasedItems(IReadOnlyList<string> Deleted, IReadOnlyList<string> AlreadyGone);

public sealed record ErasureCounts(int Submissions, int Images, int IdempotencyKeys, int StagedBlobs, int CloudinaryAssets);

/// <summary>
/// What erasing a person's data did. <see cref="NothingFound"/> is true when there was nothing left to delete (a
/// repeated erasure); <see cref="Completed"/> is false when Cloudinary or storage failed midway: repeat the request.
/// </summary>
public sealed record ErasureReceipt(
    string Sub,
    DateTime At,
    bool Completed,
    Guid? SubmissionId,
    IReadOnlyList<Guid> ImageIds,
    int IdempotencyKeys,
    ErasedItems StagedBlobs,
    ErasedItems CloudinaryAssets)
{
    public ErasureCounts Deleted => new(SubmissionId is null ? 0 : 1, ImageIds.Count, IdempotencyKeys, StagedBlobs.Deleted.Count, CloudinaryAssets.Deleted.Count);

    public bool NothingFound => Completed && SubmissionId is null && ImageIds.Count == 0 && IdempotencyKeys == 0 &&
                                StagedBlobs.Deleted.Count == 0 && CloudinaryAssets.Deleted.Count == 0;
}
