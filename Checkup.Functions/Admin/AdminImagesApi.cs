using System.Security.Claims;
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
    public static IEndpointRouteBuilder MapAdminImages(this IEndpointRouteBuilder api)
    {
        var images = api.MapGroup("/admin/images").RequireAuthorization(AuthSetup.AdminPolicy).WithTags("Admin");
        images.MapPost("/{id:guid}/retry", Retry)
            .WithName("AdminImageRetry")
            .WithSummary("Queue a failed (or stalled) image for Cloudinary again, with a fresh round of attempts.");
        return api;
    }

    public static async Task<Results<Accepted<ImageDto>, NotFound<ProblemDetails>, Conflict<ProblemDetails>>> Retry(
        Guid id, ClaimsPrincipal user, HttpRequest request, ImageRetries retries, CancellationToken ct)
    {
        var actor = "admin " + (user.FindFirstValue("sub") ?? "?");
        var traceparent = CheckupTelemetry.CurrentTraceparent(request.Headers.TraceParent.ToString());
        return await retries.RetryAsync(id, actor, traceparent, ct) switch
        {
            RetryOutcome.Queued queued => TypedResults.Accepted($"/api/images/{id}", ImageDto.From(queued.Image)),
            // Scheduled for now: the next cleanup run queues it.
            RetryOutcome.QueueUnavailable scheduled => TypedResults.Accepted($"/api/images/{id}", ImageDto.From(scheduled.Image)),
            RetryOutcome.NotRetryable notRetryable => Problem.Conflict("image_not_retryable", "Image cannot be retried",
                $"Image {id} is '{notRetryable.Image.Status}'; only images staged but not in Cloudinary ('cld-upload-failure', 'saved-locally') can be retried."),
            _ => Problem.NotFound("not_found", "Image not found", $"There is no image {id}."),
        };
    }
}
