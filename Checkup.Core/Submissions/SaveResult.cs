namespace Checkup.Core.Submissions;

public enum SaveOutcome
{
    /// <summary>Stored (draft saved, or submitted now).</summary>
    Saved,
    /// <summary>An identical submit had already been made: nothing changed, same answer.</summary>
    Replayed,
    NotFound,
    /// <summary>The submission is submitted (frozen), and this request would change it.</summary>
    Submitted,
    VersionMismatch,
    ImageNotOwned,
    /// <summary>Submit: required fields are missing (image states are listed too).</summary>
    Incomplete,
    ImageNotReady,
    DeadlinePassed,
}

/// <summary>
/// What a save or submit did. <see cref="Current"/> is the submission as it now is (absent when none exists), and
/// <see cref="Errors"/> names the refused fields (<c>projects[1].imageId</c>) for the 422 outcomes.
/// </summary>
public sealed record SaveResult(SaveOutcome Outcome, Submission? Current, Dictionary<string, string[]>? Errors = null);
