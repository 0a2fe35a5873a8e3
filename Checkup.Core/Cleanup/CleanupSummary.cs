namespace Checkup.Core.Cleanup;

/// <summary>What one cleanup run did, for its log line and the host's reply.</summary>
public sealed record CleanupSummary(
    int StagedCopiesDeleted,
    int RetriesQueued,
    int StalledRequeued,
    int UploadsCompleted,
    int UploadsFailed,
    int UnreferencedDeleted,
    int UnreferencedKept)
{
    public override string ToString() =>
        $"staged copies deleted {StagedCopiesDeleted}, retries queued {RetriesQueued}, stalled images re-queued {StalledRequeued}, " +
        $"interrupted uploads completed {UploadsCompleted} / failed {UploadsFailed}, unreferenced images deleted {UnreferencedDeleted} / kept after an error {UnreferencedKept}";
}
