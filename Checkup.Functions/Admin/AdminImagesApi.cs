using System.ComponentModel;
using System.Security.Claims;
using Checkup.Core.Admin;
using Checkup.Core.Images;
using Checkup.Core.Telemetry;
using Checkup.Functions.Auth;
using Checkup.Functions.Images;
using Checkup.Functions.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Checkup.Functions.Admin;

public static class AdminImagesApi
{
    private static readonly string[] Statuses =
    [
        ImageStatus.Uploaded, ImageStatus.SavedLocally, ImageStatus.SavedInCloudinary,
        ImageStatus.LocalUploadFailure, ImageStatus.CloudinaryUploadFailure,
    ];

    public static async Task<Results<Ok<Page<AdminImageDto>>, BadRequest<ProblemDetails>>> List(
        [Description("image statuses, comma separated (default: failed and not given up, or stuck)")] string? status,
        [Description("nextCursor of the previous page")] string? cursor,
        [Description("page size, 1 to 200 (default 50)")] string? limit,
        AdminImageStore store,
        CancellationToken ct)
    {
        var query = new AdminQuery();
        var statuses = query.Statuses(status, Statuses);
        var after = query.Cursor(cursor, AdminImageStore.CursorKind);
        var size = query.Limit(limit, AdminImageStore.MaxPageSize);
        if (!query.Valid)
        {
            return query.Invalid();
        }

        return TypedResults.Ok(AdminImageDto.From(await store.ListAsync(statuses, after, size, ct)));
    }

    public static async Task<Results<Accepted<ImageDto>, NotFound<ProblemDetails>, Conflict<ProblemDetails>>> Retry(
        Guid id, ClaimsPrincipal user, HttpRequest request, ImageRetries retries, CancellationToken ct)
    {
        var traceparent = CheckupTelemetry.CurrentTraceparent(request.Headers.TraceParent.ToString());
        return await retries.RetryAsync(id, AdminId(user), traceparent, ct) switch
        {
            RetryOutcome.Queued queued => TypedResults.Accepted($"/api/images/{id}", ImageDto.From(queued.Image)),
            // Scheduled for now: the next cleanup run queues it.
            RetryOutcome.QueueUnavailable scheduled => TypedResults.Accepted($"/api/images/{id}", ImageDto.From(scheduled.Image)),
            RetryOutcome.NotRetryable notRetryable => Problem.Conflict("image_not_retryable", "Image cannot be retried",
                $"Image {id} is '{notRetryable.Image.Status}'; only images staged but not in Cloudinary ('cld-upload-failure', 'saved-locally') can be retried."),
            _ => Problem.NotFound("not_found", "Image not found", $"There is no image {id}."),
        };
    }

    public static async Task<Results<Ok<AdminImageDto>, NotFound<ProblemDetails>, Conflict<ProblemDetails>>> GiveUp(
        Guid id, ClaimsPrincipal user, AdminImageStore store, TimeProvider clock, CancellationToken ct)
    {
        var log = ImageLog.ByAdministrator(clock, AdminId(user), "Given up by an administrator: no more automatic retries");
        var result = await store.GiveUpAsync(id, log, ct);
        return result.Outcome switch
        {
            GiveUpOutcome.GivenUp or GiveUpOutcome.AlreadyGivenUp => TypedResults.Ok(AdminImageDto.From(result.Image!)),
            GiveUpOutcome.NotFailed => Problem.Conflict("image_not_failed", "Image has not failed",
                $"Image {id} is '{result.Image!.Status}'; only failed images ('cld-upload-failure', 'local-upload-failure') can be given up."),
            _ => Problem.NotFound("not_found", "Image not found", $"There is no image {id}."),
        };
    }

    /// <summary>Who acted, for operators: in the log entry's <c>by</c>, which the owner's view of the image leaves out.</summary>
    private static string AdminId(ClaimsPrincipal user) => user.FindFirstValue("sub") ?? "?";
}
