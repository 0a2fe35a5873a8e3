using Microsoft.AspNetCore.Http;

namespace Checkup.CloudinaryLocal;

/// <summary>
/// Where tests make the server misbehave (the stand-in in tests/Checkup.TestSupport). Each step may answer the
/// request itself (an error, a dropped connection) and return true: the server then stops there. The server run
/// from the command line has none.
/// </summary>
public abstract class CloudinaryFaults
{
    /// <summary>An upload request arrived (before any check).</summary>
    public virtual void UploadReceived()
    {
    }

    /// <summary>An upload passed every check and is about to be stored.</summary>
    public virtual ValueTask<bool> BeforeStoreAsync(HttpContext context) => ValueTask.FromResult(false);

    /// <summary>An upload is stored; the answer is not yet written.</summary>
    public virtual ValueTask<bool> AfterStoreAsync(HttpContext context) => ValueTask.FromResult(false);

    /// <summary>A destroy passed the checks and is about to run.</summary>
    public virtual ValueTask<bool> BeforeDestroyAsync(HttpContext context) => ValueTask.FromResult(false);

    /// <summary>An asset was destroyed.</summary>
    public virtual void Destroyed(string publicId, bool invalidated)
    {
    }
}
