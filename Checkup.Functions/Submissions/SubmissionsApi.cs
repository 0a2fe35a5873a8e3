using System.Security.Claims;
using Checkup.Core.Submissions;
using Checkup.Functions.Auth;
using Checkup.Functions.Hosting;
using Checkup.Functions.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Checkup.Functions.Submissions;

/// <summary>The signed-in person's own submission: read, start, autosave the draft, submit.</summary>
public static class SubmissionsApi
{
    /// <summary>Three projects at full length, every character escaped (\uXXXX), still fit.</summary>
    public const long MaxBodyBytes = 128 * 1024;

    public static async Task<Results<Ok<Submission>, NotFound<ProblemDetails>>> GetSubmission(
        ClaimsPrincipal user, SubmissionStore store, HttpResponse response, CancellationToken ct)
    {
        if (await store.GetAsync(user.AuthorId(), ct) is not { } submission)
        {
            return NotStarted();
        }

        response.Headers.ETag = ETags.For(submission.Version);
        return TypedResults.Ok(submission);
    }

    public static async Task<Results<Created<Submission>, Ok<Submission>, Conflict<ProblemDetails>>> StartSubmission(
        ClaimsPrincipal user, SubmissionStore store, HttpResponse response, CancellationToken ct)
    {
        if (store.DeadlinePassed)
        {
            // Nothing new may start, but someone who started in time still gets their submission back.
            if (await store.GetAsync(user.AuthorId(), ct) is not { } existing)
            {
                return DeadlinePassed();
            }

            response.Headers.ETag = ETags.For(existing.Version);
            return TypedResults.Ok(existing);
        }

        var (submission, created) = await store.StartAsync(user.AuthorId(), ct);
        response.Headers.ETag = ETags.For(submission.Version);
        return created ? TypedResults.Created("/api/submission", submission) : TypedResults.Ok(submission);
    }

    public static async Task<Results<Ok<Submission>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, Conflict<ProblemDetails>, VersionMismatch, UnprocessableEntity<ProblemDetails>>> SaveDraft(
        FormState form, [FromHeader(Name = "If-Match")] string? ifMatch, ClaimsPrincipal user, SubmissionStore store, HttpResponse response, CancellationToken ct)
    {
        var (slots, errors) = SubmissionRules.Shape(form);
        if (errors.Count > 0)
        {
            return Malformed(errors);
        }

        return Answer(await store.SaveDraftAsync(user.AuthorId(), slots, ETags.ParseIfMatch(ifMatch), ct), response);
    }

    public static async Task<Results<Ok<Submission>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, Conflict<ProblemDetails>, VersionMismatch, UnprocessableEntity<ProblemDetails>>> Submit(
        FormState form, [FromHeader(Name = "If-Match")] string? ifMatch, ClaimsPrincipal user, SubmissionStore store, HttpResponse response, CancellationToken ct)
    {
        var (slots, errors) = SubmissionRules.Shape(form);
        if (errors.Count > 0)
        {
            return Malformed(errors);
        }

        return Answer(await store.SubmitAsync(user.AuthorId(), slots, ETags.ParseIfMatch(ifMatch), ct), response);
    }

    private static Results<Ok<Submission>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, Conflict<ProblemDetails>, VersionMismatch, UnprocessableEntity<ProblemDetails>> Answer(
        SaveResult result, HttpResponse response)
    {
        if (result.Current is { } current)
        {
            response.Headers.ETag = ETags.For(current.Version);
        }

        return result.Outcome switch
        {
            SaveOutcome.Saved or SaveOutcome.Replayed => TypedResults.Ok(result.Current),
            SaveOutcome.NotFound => NotStarted(),
            SaveOutcome.Submitted => Problem.Conflict("submitted", "Already submitted",
                "This submission has been submitted and can no longer change; an identical repeat of the submit is still answered."),
            SaveOutcome.DeadlinePassed => DeadlinePassed(),
            SaveOutcome.VersionMismatch => new VersionMismatch(result.Current!),
            SaveOutcome.ImageNotOwned => Problem.Unprocessable("image_not_owned", "Image not yours",
                "Only images you uploaded can be attached.", Errors(result)),
            SaveOutcome.Incomplete => Problem.Unprocessable("validation_failed", "The submission is incomplete",
                "Every project needs a name, a description, your role and a stored image.", Errors(result)),
            SaveOutcome.ImageNotReady => Problem.Unprocessable("image_not_ready", "An image is not stored yet",
                "Wait until every image is stored, or upload a failed one again.", Errors(result)),
            _ => throw new ArgumentOutOfRangeException(nameof(result), result.Outcome, "Unknown save outcome."),
        };
    }

    private static Dictionary<string, object?> Errors(SaveResult result) => new() { ["errors"] = result.Errors };

    private static BadRequest<ProblemDetails> Malformed(Dictionary<string, string[]> errors) =>
        Problem.BadRequest("bad_request", "The form state cannot be stored",
            "Fix the listed fields: at most 3 projects in slot order, text within its length limit.", new Dictionary<string, object?> { ["errors"] = errors });

    private static NotFound<ProblemDetails> NotStarted() =>
        Problem.NotFound("submission_not_found", "No submission yet", "Start one with POST /api/submission.");

    private static Conflict<ProblemDetails> DeadlinePassed() =>
        Problem.Conflict("deadline_passed", "The deadline has passed", "Submissions can no longer be started, saved or submitted; reading still works.");

    /// <summary>The author id is the token's subject; <see cref="AuthSetup.UserPolicy"/> guarantees there is one.</summary>
    private static string AuthorId(this ClaimsPrincipal user) =>
        user.FindFirstValue("sub") ?? throw new InvalidOperationException("An authorized request has no 'sub' claim.");
}
