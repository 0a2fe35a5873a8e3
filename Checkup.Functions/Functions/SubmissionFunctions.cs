using Checkup.Core.Submissions;
using Checkup.Functions.OpenApi;
using Checkup.Functions.Submissions;
using Checkup.Functions.Worker;
using Microsoft.Azure.Functions.Worker;

namespace Checkup.Functions.Functions;

/// <summary>The signed-in person's own submission: read, start, autosave the draft, submit (logic in <see cref="SubmissionsApi"/>).</summary>
public sealed class SubmissionFunctions(SubmissionStore store)
{
    [Function("GetSubmission")]
    [Operation("Submission", "The caller's submission with its ETag; 404 submission_not_found before it is started.")]
    [Responds(StatusCodes.Status200OK, typeof(Submission), "The submission.", Headers = ["ETag"])]
    [Problem(StatusCodes.Status404NotFound, "submission_not_found", "No submission yet: start one with POST /api/submission.")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "submission")] HttpRequest request, CancellationToken ct) =>
        await SubmissionsApi.GetSubmission(request.HttpContext.User, store, request.HttpContext.Response, ct);

    [Function("StartSubmission")]
    [WriteLimited]
    [Operation("Submission", "Start the caller's draft (201); repeating it returns the existing submission (200).")]
    [Responds(StatusCodes.Status201Created, typeof(Submission), "Started.", Headers = ["ETag", "Location"])]
    [Responds(StatusCodes.Status200OK, typeof(Submission), "It had been started: the existing submission.", Headers = ["ETag"])]
    [Problem(StatusCodes.Status409Conflict, "deadline_passed", "The deadline has passed and there is no submission to return.")]
    public async Task<IResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "submission")] HttpRequest request, CancellationToken ct) =>
        await SubmissionsApi.StartSubmission(request.HttpContext.User, store, request.HttpContext.Response, ct);

    [Function("SaveDraft")]
    [WriteLimited]
    [BodyLimit(SubmissionsApi.MaxBodyBytes)]
    [Operation("Submission", "Autosave the whole form state (incomplete is fine). If-Match: 412 with the current copy on mismatch; 409 once submitted.")]
    [HeaderParameter("If-Match", "the ETag this form state was edited from; without it the save is unconditional")]
    [JsonBody(typeof(FormState))]
    [Responds(StatusCodes.Status200OK, typeof(Submission), "Saved.", Headers = ["ETag"])]
    [FormStateProblems]
    public async Task<IResult> SaveDraft(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "submission/draft")] HttpRequest request, CancellationToken ct) =>
        await SubmissionsApi.SaveDraft(await request.JsonBodyAsync<FormState>(ct), request.IfMatch(),
            request.HttpContext.User, store, request.HttpContext.Response, ct);

    [Function("Submit")]
    [WriteLimited]
    [BodyLimit(SubmissionsApi.MaxBodyBytes)]
    [Operation("Submission", "Store the final form state and submit it (422 with per-field errors when incomplete); an identical repeat returns the same 200, a different one 409.")]
    [HeaderParameter("If-Match", "the ETag this form state was edited from; without it the submit is unconditional")]
    [JsonBody(typeof(FormState))]
    [Responds(StatusCodes.Status200OK, typeof(Submission), "Submitted (or an identical repeat).", Headers = ["ETag"])]
    [FormStateProblems]
    public async Task<IResult> Submit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "submission/submit")] HttpRequest request, CancellationToken ct) =>
        await SubmissionsApi.Submit(await request.JsonBodyAsync<FormState>(ct), request.IfMatch(),
            request.HttpContext.User, store, request.HttpContext.Response, ct);
}
