using System.Diagnostics;
using System.Security.Claims;
using Checkup.Core.Images;
using Checkup.Core.Telemetry;
using Checkup.Functions.Auth;
using Checkup.Functions.Hosting;
using Checkup.Functions.Problems;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Checkup.Functions.Images;

public static class ImagesApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    private const int MaxIdempotencyKeyLength = 200;

    public static IServiceCollection AddCheckupUploads(this IServiceCollection services) => services.AddSingleton<UploadSlots>();

    public static async Task<Results<Created<ImageDto>, ProblemHttpResult>> Upload(
        HttpContext http, ImageUploads uploads, UploadSlots slots, IOptions<ImageOptions> options, TimeProvider clock, CancellationToken ct)
    {
        if (http.User.FindFirstValue("sub") is not { Length: > 0 } owner)
        {
            return Problem.Status(StatusCodes.Status403Forbidden, "forbidden", "No subject", "The token has no 'sub' claim to own the image.");
        }

        var maxBody = options.Value.MaxBytes + MultipartFile.EnvelopeAllowance;
        if (http.Request.ContentLength > maxBody)
        {
            return TooLarge($"The upload is larger than {options.Value.MaxBytes} bytes.");
        }

        if (MultipartFile.Boundary(http.Request.ContentType) is not { } boundary)
        {
            return Problem.Status(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Expected multipart/form-data",
                $"Send the image as multipart/form-data with one part named '{MultipartFile.FieldName}'.");
        }

        var key = http.Request.Headers[IdempotencyKeyHeader].ToString();
        if (key.Length > MaxIdempotencyKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            return Problem.Status(StatusCodes.Status400BadRequest, "bad_request", "Invalid Idempotency-Key",
                $"The {IdempotencyKeyHeader} header must be 1 to {MaxIdempotencyKeyLength} visible ASCII characters.");
        }

        var idempotencyKey = key.Length == 0 ? null : key;

        // Kestrel stops a chunked body that grows past the limit; Content-Length was checked above.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBody;
        }

        using var slot = slots.TryTake(owner, options.Value.MaxConcurrentUploads);
        if (slot is null)
        {
            http.Response.Headers.RetryAfter = "5";
            return Problem.Status(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many uploads at once",
                $"You have {options.Value.MaxConcurrentUploads} uploads in progress; send this one when one of them has finished.");
        }

        using var pace = new UploadPace(http.Request, options.Value, clock, ct);
        try
        {
            return await UploadAsync(http, uploads, boundary, idempotencyKey, owner, pace);
        }
        catch (OperationCanceledException) when (pace.Verdict is { } verdict && !ct.IsCancellationRequested)
        {
            // The server will not read the rest of the body: the connection closes after this answer. A forwarding host
            // may hold the answer back until the client stops sending, so the cut is logged too.
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ImagesApi))
                .LogWarning("Upload by {Owner} cut off (408 upload_too_slow): {Verdict}", owner, verdict);
            return Problem.Status(StatusCodes.Status408RequestTimeout, "upload_too_slow", "Upload too slow", verdict + " Nothing was stored.");
        }
    }

    private static async Task<Results<Created<ImageDto>, ProblemHttpResult>> UploadAsync(
        HttpContext http, ImageUploads uploads, string boundary, string? idempotencyKey, string owner, UploadPace pace)
    {
        var ct = pace.Token;
        // A function runs in the worker's invocation, outside the HTTP request's activity: the caller's traceparent is the
        // parent, so the upload, its queue message and ProcessImage stay in the caller's trace.
        var callerTrace = http.Request.Headers.TraceParent.ToString();
        using var activity = Activity.Current is null && callerTrace.Length > 0
            ? CheckupTelemetry.StartLinked("UploadImage", ActivityKind.Internal, callerTrace)
            : CheckupTelemetry.Source.StartActivity("UploadImage");
        var traceparent = CheckupTelemetry.CurrentTraceparent(callerTrace);
        try
        {
            var file = await MultipartFile.OpenAsync(pace.Body, boundary, http.Request.ContentLength, ct);
            if (file is null)
            {
                return Problem.Status(StatusCodes.Status400BadRequest, "bad_request", "No file",
                    $"The multipart body has no part named '{MultipartFile.FieldName}' (a body sent chunked, without Content-Length, arrives empty through the Functions host).");
            }

            var startedAt = Stopwatch.GetTimestamp();
            var outcome = await uploads.UploadAsync(new UploadRequest(owner, idempotencyKey, traceparent), file.Content, file.Length, ct);
            activity?.SetTag("checkup.outcome", outcome.GetType().Name);
            CheckupTelemetry.UploadDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds,
                new KeyValuePair<string, object?>("outcome", outcome.GetType().Name));
            return Answer(http, outcome);
        }
        catch (BadHttpRequestException)
        {
            throw; // Kestrel's own limits (413 for a body over the limit); the problem handler answers them
        }
        catch (InvalidDataException e)
        {
            return Problem.Status(StatusCodes.Status400BadRequest, "bad_request", "Malformed multipart body", e.Message);
        }
        catch (IOException e) when (!ct.IsCancellationRequested)
        {
            return Problem.Status(StatusCodes.Status400BadRequest, "bad_request", "Malformed multipart body", e.Message);
        }
    }

    private static Results<Created<ImageDto>, ProblemHttpResult> Answer(HttpContext http, UploadOutcome outcome)
    {
        switch (outcome)
        {
            case UploadOutcome.Created created:
                return TypedResults.Created($"/api/images/{created.Image.Id}", ImageDto.From(created.Image));
            case UploadOutcome.Replayed replayed:
                http.Response.Headers["Idempotent-Replayed"] = "true";
                return TypedResults.Created($"/api/images/{replayed.Image.Id}", ImageDto.From(replayed.Image));
            case UploadOutcome.KeyReused reused:
                return Problem.Status(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused", "Idempotency-Key reused",
                    $"This {IdempotencyKeyHeader} was used for another file (image {reused.ImageId}); use a new key for a new upload.",
                    new Dictionary<string, object?> { ["imageId"] = reused.ImageId });
            case UploadOutcome.InProgress inProgress:
                return Problem.Status(StatusCodes.Status409Conflict, "upload_in_progress", "Upload in progress",
                    $"The first request with this {IdempotencyKeyHeader} (image {inProgress.ImageId}) is still uploading; retry when it has finished.");
            case UploadOutcome.Refused { Reason: UploadRefusal.TooLarge or UploadRefusal.TooManyPixels } tooLarge:
                return TooLarge(tooLarge.Detail);
            case UploadOutcome.Refused { Reason: UploadRefusal.Empty } empty:
                return Problem.Status(StatusCodes.Status400BadRequest, "bad_request", "Empty file", empty.Detail);
            case UploadOutcome.Refused { Reason: UploadRefusal.Malformed } malformed:
                return Problem.Status(StatusCodes.Status400BadRequest, "bad_request", "Malformed multipart body", malformed.Detail);
            case UploadOutcome.Refused refused:
                return Problem.Status(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Not an allowed image", refused.Detail);
            case UploadOutcome.Unavailable unavailable:
                http.Response.Headers.RetryAfter = "5";
                return Problem.Status(StatusCodes.Status503ServiceUnavailable, "storage_unavailable", "Storage unavailable", unavailable.Detail,
                    unavailable.ImageId is { } id ? new Dictionary<string, object?> { ["imageId"] = id } : null);
            default:
                throw new UnreachableException(outcome.GetType().Name);
        }
    }

    private static ProblemHttpResult TooLarge(string detail) =>
        Problem.Status(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "Image too large", detail);

    public static async Task<Results<Ok<ImageDto>, NotFound<ProblemDetails>>> GetImage(
        Guid id, ClaimsPrincipal user, ImageStore store, IOptions<AuthOptions> auth, CancellationToken ct)
    {
        var image = await store.FindAsync(id, ct);
        // Someone else's image answers exactly like a missing one: ids are not secrets, but who owns what is.
        if (image is null || (image.OwnerId != user.FindFirstValue("sub") && !AuthSetup.IsAdmin(user, auth.Value.AdminRole)))
        {
            return Problem.NotFound("not_found", "Image not found", $"There is no image {id} of yours.");
        }

        return TypedResults.Ok(ImageDto.From(image));
    }
}
