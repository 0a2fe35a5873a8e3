using Checkup.Core.Images;
using Checkup.Functions.Auth;
using Checkup.Functions.Images;
using Checkup.Functions.OpenApi;
using Checkup.Functions.Worker;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace Checkup.Functions.Functions;

/// <summary>Image uploads into staging and their status (logic in <see cref="ImagesApi"/>).</summary>
public sealed class ImageFunctions(ImageUploads uploads, UploadSlots slots, ImageStore store, IOptions<ImageOptions> options, IOptions<AuthOptions> auth, TimeProvider clock)
{
    /// <summary>The size limit is the upload's own (<c>Images__MaxBytes</c> plus the multipart envelope), checked by the upload.</summary>
    [Function("Images")]
    [WriteLimited]
    [Operation("Images", "Upload one image (multipart field 'file'); answers 201 before it reaches Cloudinary. Idempotency-Key replays the first answer for the same file (the same SHA-256 of the 'file' part) and answers 422 idempotency_key_reused for another.")]
    [HeaderParameter(ImagesApi.IdempotencyKeyHeader, "1 to 200 visible ASCII characters; a repeat with the same key and file replays the first answer")]
    [MultipartUpload("file", "the image: JPEG, PNG or WebP within Images__MaxBytes")]
    [Responds(StatusCodes.Status201Created, typeof(ImageDto), "Staged; Cloudinary follows in the background (poll GET /api/images/{id}).", Headers = ["Location", "Idempotent-Replayed"])]
    [Problem(StatusCodes.Status400BadRequest, "bad_request", "No 'file' part, an empty file, a malformed multipart body or an invalid Idempotency-Key.")]
    [Problem(StatusCodes.Status408RequestTimeout, "upload_too_slow", "The body came in slower than Images__UploadMinBytesPerSecond, or not within Images__UploadDeadline; nothing was stored.")]
    [Problem(StatusCodes.Status409Conflict, "upload_in_progress", "The first request with this Idempotency-Key is still uploading; retry when it has finished.")]
    [Problem(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "The image is over Images__MaxBytes or has too many pixels.")]
    [Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "The body is not multipart/form-data, or the file is not an allowed image.")]
    [Problem(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused", "This Idempotency-Key was used for another file (imageId names it); use a new key.")]
    [Problem(StatusCodes.Status429TooManyRequests, "rate_limited", "Images__MaxConcurrentUploads uploads of this person are already running; Retry-After says when to try again.", Headers = ["Retry-After"])]
    [Problem(StatusCodes.Status503ServiceUnavailable, "storage_unavailable", "Blob or queue storage failed; Retry-After says when to try again (imageId when a row was made).", Headers = ["Retry-After"])]
    public async Task<IResult> Upload(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "images")] HttpRequest request, CancellationToken ct) =>
        await ImagesApi.Upload(request.HttpContext, uploads, slots, options, clock, ct);

    [Function("ImageById")]
    [Operation("Images", "Status, Cloudinary URL, attempts, error, size, dimensions and log of an image (owner or admin).")]
    [Responds(StatusCodes.Status200OK, typeof(ImageDto), "The image.")]
    [Problem(StatusCodes.Status404NotFound, "not_found", "No such image of yours (someone else's answers the same).")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "images/{id:guid}")] HttpRequest request, Guid id, CancellationToken ct) =>
        await ImagesApi.GetImage(id, request.HttpContext.User, store, auth, ct);
}
