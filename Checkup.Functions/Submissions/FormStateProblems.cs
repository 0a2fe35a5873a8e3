using Checkup.Functions.OpenApi;

namespace Checkup.Functions.Submissions;

/// <summary>What storing a form state can answer besides success: the same for the draft save and the submit.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FormStateProblemsAttribute : ProblemSetAttribute
{
    private static readonly ProblemAttribute[] All =
    [
        new(StatusCodes.Status400BadRequest, "bad_request", "The form state cannot be stored: more than 3 projects, out of slot order, or text over its length limit ('errors' names the fields)."),
        new(StatusCodes.Status404NotFound, "submission_not_found", "No submission yet: start one with POST /api/submission."),
        new(StatusCodes.Status409Conflict, "submitted", "The submission has been submitted and can no longer change (an identical repeat of the submit is still answered 200)."),
        new(StatusCodes.Status409Conflict, "deadline_passed", "The deadline has passed: nothing can be started, saved or submitted; reading still works."),
        new(StatusCodes.Status412PreconditionFailed, "version_mismatch", "If-Match named another version; 'current' is the server's copy, its ETag in the header.") { Schema = typeof(VersionMismatchProblem), Headers = ["ETag"] },
        new(StatusCodes.Status422UnprocessableEntity, "image_not_owned", "An attached image is not one you uploaded ('errors' names the field)."),
        new(StatusCodes.Status422UnprocessableEntity, "validation_failed", "The submission is incomplete: every project needs a name, a description, your role and a stored image ('errors' names the fields)."),
        new(StatusCodes.Status422UnprocessableEntity, "image_not_ready", "An attached image is not stored yet: wait, or upload a failed one again ('errors' names the field)."),
    ];

    public override IReadOnlyList<ProblemAttribute> Problems => All;
}
