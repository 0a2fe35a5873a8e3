using Checkup.Core.Admin;
using Checkup.Core.Images;
using Checkup.Functions.Admin;
using Checkup.Functions.Worker;
using Microsoft.Azure.Functions.Worker;

namespace Checkup.Functions.Functions;

/// <summary>Reviewers and operators: images that need attention, submissions, the export, stats, erasure (admin role only).</summary>
public sealed class AdminFunctions(
    AdminImageStore images, ImageRetries retries, AdminSubmissionStore submissions, AdminStatsStore stats, UserErasure erasure, TimeProvider clock)
{
    [Function("AdminImages")]
    [AdminOnly]
    public async Task<IResult> ListImages(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/images")] HttpRequest request, CancellationToken ct) =>
        await AdminImagesApi.List(request.Query("status"), request.Query("cursor"), request.Query("limit"), images, ct);

    [Function("AdminImageRetry")]
    [AdminOnly]
    public async Task<IResult> Retry(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/images/{id:guid}/retry")] HttpRequest request, Guid id, CancellationToken ct) =>
        await AdminImagesApi.Retry(id, request.HttpContext.User, request, retries, ct);

    [Function("AdminImageGiveUp")]
    [AdminOnly]
    public async Task<IResult> GiveUp(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "admin/images/{id:guid}/give-up")] HttpRequest request, Guid id, CancellationToken ct) =>
        await AdminImagesApi.GiveUp(id, request.HttpContext.User, images, clock, ct);

    [Function("AdminSubmissions")]
    [AdminOnly]
    public async Task<IResult> ListSubmissions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/submissions")] HttpRequest request, CancellationToken ct) =>
        await AdminSubmissionsApi.List(Filter(request), request.Query("cursor"), request.Query("limit"), submissions, ct);

    [Function("AdminSubmissionsCsv")]
    [AdminOnly]
    public IResult Csv([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/submissions.csv")] HttpRequest request) =>
        AdminSubmissionsApi.Csv(Filter(request), submissions, clock, request.HttpContext);

    [Function("AdminStats")]
    [AdminOnly]
    public async Task<IResult> Stats(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "admin/stats")] HttpRequest request, CancellationToken ct) =>
        await AdminStatsApi.GetStats(stats, ct);

    [Function("AdminUser")]
    [AdminOnly]
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
