using Checkup.Core.Submissions;
using Checkup.Functions.Submissions;
using Checkup.Functions.Worker;
using Microsoft.Azure.Functions.Worker;

namespace Checkup.Functions.Functions;

/// <summary>The signed-in person's own submission: read, start, autosave the draft, submit (logic in <see cref="SubmissionsApi"/>).</summary>
public sealed class SubmissionFunctions(SubmissionStore store)
{
    [Function("GetSubmission")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "submission")] HttpRequest request, CancellationToken ct) =>
        await SubmissionsApi.GetSubmission(request.HttpContext.User, store, request.HttpContext.Response, ct);

    [Function("StartSubmission")]
    [WriteLimited]
    public async Task<IResult> Start(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "submission")] HttpRequest request, CancellationToken ct) =>
        await SubmissionsApi.StartSubmission(request.HttpContext.User, store, request.HttpContext.Response, ct);

    [Function("SaveDraft")]
    [WriteLimited]
    [BodyLimit(SubmissionsApi.MaxBodyBytes)]
    public async Task<IResult> SaveDraft(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "submission/draft")] HttpRequest request, CancellationToken ct) =>
        await SubmissionsApi.SaveDraft(await request.JsonBodyAsync<FormState>(ct), request.Headers.IfMatch.ToString() is { Length: > 0 } ifMatch ? ifMatch : null,
            request.HttpContext.User, store, request.HttpContext.Response, ct);

    [Function("Submit")]
    [WriteLimited]
    [BodyLimit(SubmissionsApi.MaxBodyBytes)]
    public async Task<IResult> Submit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "submission/submit")] HttpRequest request, CancellationToken ct) =>
        await SubmissionsApi.Submit(await request.JsonBodyAsync<FormState>(ct), request.Headers.IfMatch.ToString() is { Length: > 0 } ifMatch ? ifMatch : null,
            request.HttpContext.User, store, request.HttpContext.Response, ct);
}
