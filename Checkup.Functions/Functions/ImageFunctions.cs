using Checkup.Core.Images;
using Checkup.Functions.Auth;
using Checkup.Functions.Images;
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
    public async Task<IResult> Upload(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "images")] HttpRequest request, CancellationToken ct) =>
        await ImagesApi.Upload(request.HttpContext, uploads, slots, options, clock, ct);

    [Function("ImageById")]
    public async Task<IResult> Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "images/{id:guid}")] HttpRequest request, Guid id, CancellationToken ct) =>
        await ImagesApi.GetImage(id, request.HttpContext.User, store, auth, ct);
}
