namespace Checkup.Core.Configuration;

/// <summary>
/// The storage account for staged image blobs and the image queue: the Functions host's own
/// <c>AzureWebJobsStorage</c>, either a connection string (Azurite: <c>UseDevelopmentStorage=true</c>) or,
/// with a managed identity, <c>AzureWebJobsStorage__blobServiceUri</c> and <c>AzureWebJobsStorage__queueServiceUri</c>.
/// </summary>
public sealed class StorageOptions
{
    public string? ConnectionString { get; set; }
    public Uri? BlobServiceUri { get; set; }
    public Uri? QueueServiceUri { get; set; }
    /// <summary>Client id of a user-assigned identity (<c>AzureWebJobsStorage__clientId</c>); system-assigned when empty.</summary>
    public string? ClientId { get; set; }

    public string StagingContainer { get; set; } = "image-staging";
    public string UploadQueue { get; set; } = "image-uploads";
    public string PoisonQueue => UploadQueue + "-poison";

    internal static string? Problem(StorageOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return null;
        }

        if (options.BlobServiceUri is null || options.QueueServiceUri is null)
        {
            return "AzureWebJobsStorage is not set: give a storage connection string ('UseDevelopmentStorage=true' for Azurite), " +
                   "or AzureWebJobsStorage__blobServiceUri and AzureWebJobsStorage__queueServiceUri for access by managed identity.";
        }

        return null;
    }
}
