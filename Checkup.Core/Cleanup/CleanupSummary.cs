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
    /// <summary>Each kind of action with its count, for metrics.</summary>
    public IEnumerable<(string Action, int Count)> Actions() =>
    [
        ("staged_copy_deleted", StagedCopiesDeleted), ("retry_queued", RetriesQueued), ("stalled_requeued", StalledRequeued),
        ("upload_completed", UploadsCompleted), ("upload_failed", UploadsFailed),
        ("unreferenced_deleted", UnreferencedDeleted), ("unreferenced_kept", UnreferencedKept),
    ];

    public override string ToString() =>
        $"staged copies deleted {StagedCopiesDeleted}, retries queued {RetriesQueued}, stalled images re-queued {StalledRequeued}, " +
        $"interrupted uploads completed {UploadsCompleted} / failed {UploadsFailed}, unreferenced images deleted {UnreferencedDeleted} / kept after an error {UnreferencedKept}";
}
