namespace Checkup.Core.Cloudinary;

/// <summary>What Cloudinary stored (the fields worth keeping from its upload answer).</summary>
public sealed record CloudinaryAsset(string PublicId, long Version, string SecureUrl, string? AssetId, int? Width, int? Height, long? Bytes);

/// <summary>A push that did not succeed, and whether trying again later can help.</summary>
public sealed record CloudinaryFailure(bool Retryable, int? StatusCode, string Message)
{
    public override string ToString() => StatusCode is { } status ? $"Cloudinary answered {status}: {Message}" : Message;
}

/// <summary>Either the stored asset or the failure.</summary>
public sealed record CloudinaryUploadResult(CloudinaryAsset? Asset, CloudinaryFailure? Failure)
{
    public static CloudinaryUploadResult Stored(CloudinaryAsset asset) => new(asset, null);
    public static CloudinaryUploadResult Failed(CloudinaryFailure failure) => new(null, failure);
}

/// <summary>
/// Result of a destroy: <c>Deleted</c> also when Cloudinary had no such asset (safe to repeat); <c>Found</c> tells
/// the two apart ("ok" versus "not found").
/// </summary>
public sealed record CloudinaryDestroyResult(bool Deleted, CloudinaryFailure? Failure, bool Found = false);
