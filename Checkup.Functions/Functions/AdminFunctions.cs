using Checkup.Core.Admin;
using Checkup.Core.Images;
using Checkup.Functions.Admin;
using Checkup.Functions.OpenApi;
using Checkup.Functions.Worker;
using Microsoft.Azure.Functions.Worker;

namespace Checkup.Functions.Functions;

/// <summary>Reviewers and operators: images that need attention, submissions, the export, stats, erasure (admin role only).</summary>
public sealed class AdminFunctions(
    AdminImageStore images, ImageRetries retries, AdminSubmissionStore submissions, AdminStatsStore stats, UserErasure erasure, TimeProvider clock)
{
    [Function("AdminImages")]
    [AdminOnly]
    [Operation("Admin", "Images that need attention (failed and not given up, or stuck), oldest first, with error, attempts, next attempt and log; ?status= lists every image in those statuses instead. Keyset pages.")]
    [QueryParameter("status", "image statuses, comma separated (default: failed and not given up, or stuck): uploaded, saved-locally, saved-cld, local-upload-failure, cld-upload-failure")]
    [QueryParameter("cursor", "nextCursor of the previous page")]
    [QueryParameter("limit", "page size, 1 to 200 (default 50)")]
    [Responds(StatusCodes.Status200OK, typeof(Page<AdminImageDto>), "A page of images; nextCursor is null on the last.")]
    [Problem(StatusCodes.Status400BadRequest, "bad_request", "A query parameter is malformed ('errors' names it); nothing was queried.")]
    public async Task<IResult> ListImages(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/images")] HttpRequest request, CancellationToken ct) =>
        await AdminImagesApi.List(request.Query("status"), request.Query("cursor"), request.Query("limit"), images, ct);

    [Function("AdminImageRetry")]
    [AdminOnly]
    [Operation("Admin", "Queue a failed (or stalled) image for Cloudinary again, with a fresh round of attempts.")]
    [Responds(StatusCodes.Status202Accepted, typeof(Images.ImageDto), "Queued (or scheduled for the next cleanup run when the queue is away).", Headers = ["Location"])]
    [Problem(StatusCodes.Status404NotFound, "not_found", "There is no such image.")]
    [Problem(StatusCodes.Status409Conflict, "image_not_retryable", "The image is not staged-but-not-in-Cloudinary ('cld-upload-failure', 'saved-locally').")]
    public async Task<IResult> Retry(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/images/{id:guid}/retry")] HttpRequest request, Guid id, CancellationToken ct) =>
        await AdminImagesApi.Retry(id, request.HttpContext.User, request, retries, ct);

    [Function("AdminImageGiveUp")]
    [AdminOnly]
    [Operation("Admin", "Stop retrying a failed image (it stays failed, leaves the default listing); repeating it changes nothing. A retry takes it back.")]
    [Responds(StatusCodes.Status200OK, typeof(AdminImageDto), "The image, given up.")]
    [Problem(StatusCodes.Status404NotFound, "not_found", "There is no such image.")]
    [Problem(StatusCodes.Status409Conflict, "image_not_failed", "Only failed images ('cld-upload-failure', 'local-upload-failure') can be given up.")]
    public async Task<IResult> GiveUp(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/images/{id:guid}/give-up")] HttpRequest request, Guid id, CancellationToken ct) =>
        await AdminImagesApi.GiveUp(id, request.HttpContext.User, images, clock, ct);

    [Function("AdminSubmissions")]
    [AdminOnly]
    [Operation("Admin", "Submissions with their projects and images, oldest first, filtered by status and created/submitted time; keyset pages (pass nextCursor back as cursor; rows added meanwhile never repeat or shift a page).")]
    [QueryParameter("status", "draft, submitted, or both comma separated (default: all)")]
    [QueryParameter("createdFrom", "created at or after this ISO 8601 instant (UTC unless an offset is given)")]
    [QueryParameter("createdTo", "created before this instant")]
    [QueryParameter("submittedFrom", "submitted at or after this instant (drafts never match)")]
    [QueryParameter("submittedTo", "submitted before this instant (drafts never match)")]
    [QueryParameter("cursor", "nextCursor of the previous page")]
    [QueryParameter("limit", "page size, 1 to 200 (default 50)")]
    [Responds(StatusCodes.Status200OK, typeof(Page<AdminSubmission>), "A page of submissions; nextCursor is null on the last.")]
    [Problem(StatusCodes.Status400BadRequest, "bad_request", "A query parameter is malformed or a range is empty ('errors' names it); nothing was queried.")]
    public async Task<IResult> ListSubmissions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/submissions")] HttpRequest request, CancellationToken ct) =>
        await AdminSubmissionsApi.List(Filter(request), request.Query("cursor"), request.Query("limit"), submissions, ct);

    [Function("AdminSubmissionsCsv")]
    [AdminOnly]
    [Operation("Admin", "The same submissions as a CSV download (UTF-8 with BOM, RFC 4180, one row per submission, projects as columns), streamed.")]
    [QueryParameter("status", "draft, submitted, or both comma separated (default: all)")]
    [QueryParameter("createdFrom", "created at or after this ISO 8601 instant (UTC unless an offset is given)")]
    [QueryParameter("createdTo", "created before this instant")]
    [QueryParameter("submittedFrom", "submitted at or after this instant (drafts never match)")]
    [QueryParameter("submittedTo", "submitted before this instant (drafts never match)")]
    [Responds(StatusCodes.Status200OK, typeof(string), "The CSV file.", ContentType = "text/csv", Headers = ["Content-Disposition"])]
    [Problem(StatusCodes.Status400BadRequest, "bad_request", "A query parameter is malformed or a range is empty ('errors' names it); nothing was queried.")]
    public IResult Csv([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/submissions.csv")] HttpRequest request) =>
        AdminSubmissionsApi.Csv(Filter(request), submissions, clock, request.HttpContext);

    [Function("AdminStats")]
    [AdminOnly]
    [Operation("Admin", "Submissions and images by status, the oldest image not yet in Cloudinary, failures in the last 24 h, upload and poison queue lengths (null, with an error, when storage cannot be asked).")]
    [Responds(StatusCodes.Status200OK, typeof(AdminStats), "The numbers, as of 'at'.")]
    public async Task<IResult> Stats(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/stats")] HttpRequest request, CancellationToken ct) =>
        await AdminStatsApi.GetStats(stats, ct);

    [Function("AdminUser")]
    [AdminOnly]
    [Operation("Admin", "Erase a person's data (submission, images, staged blobs, Cloudinary assets with CDN invalidation) and answer a receipt. The person is ?sub= (the token's 'sub', URL-encoded once). Repeating it is harmless; a 503 (Cloudinary or storage failed midway) is finished by repeating it.")]
    [QueryParameter("sub", "the person's id: the 'sub' of their tokens, URL-encoded once", Required = true)]
    [Responds(StatusCodes.Status200OK, typeof(ErasureReceipt), "What was erased (nothingFound when a repeat found nothing left).")]
    [Problem(StatusCodes.Status400BadRequest, "bad_request", "?sub= is missing, given more than once, or no subject sign-in accepts ('errors' says which).")]
    [Problem(StatusCodes.Status503ServiceUnavailable, "erasure_incomplete", "Cloudinary or storage failed midway; the database rows are kept and 'receipt' says what is done. Repeat the request to finish.", Headers = ["Retry-After"])]
    public async Task<IResult> Erase(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "admin/users")] HttpRequest request, CancellationToken ct) =>
        await AdminUsersApi.Erase(request.Query("sub"), request, erasure, request.HttpContext.Response, ct);

    private static AdminSubmissionsApi.SubmissionFilterQuery Filter(HttpRequest request) => new()
    {
        Status = request.Query("status"),
        CreatedFrom = request.Query("createdFrom"),
        CreatedTo = request.Query("createdTo"),
        SubmittedFrom = request.Query("submittedFrom"),
        SubmittedTo = request.Query("submittedTo"),
    };
}
