using Azure.Core;
using Azure.Identity;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Checkup.Core.Configuration;
using Microsoft.Extensions.Options;

namespace Checkup.Core.Storage;

/// <summary>The staging container and the image queues, built once from <see cref="StorageOptions"/>.</summary>
public sealed class StorageClients
{
    public StorageClients(IOptions<StorageOptions> options)
    {
        var o = options.Value;
        var blobOptions = BlobOptions();
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }; // what the Functions queue trigger reads
        ConfigureRetries(blobOptions.Retry);
        ConfigureRetries(queueOptions.Retry);

        BlobServiceClient blobs;
        QueueServiceClient queues;
        if (!string.IsNullOrWhiteSpace(o.ConnectionString))
        {
            blobs = new BlobServiceClient(o.ConnectionString, blobOptions);
            queues = new QueueServiceClient(o.ConnectionString, queueOptions);
        }
        else
        {
            TokenCredential credential = string.IsNullOrWhiteSpace(o.ClientId)
                ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(o.ClientId));
            blobs = new BlobServiceClient(o.BlobServiceUri!, credential, blobOptions);
            queues = new QueueServiceClient(o.QueueServiceUri!, credential, queueOptions);
        }

        Staging = blobs.GetBlobContainerClient(o.StagingContainer);
        UploadQueue = queues.GetQueueClient(o.UploadQueue);
        PoisonQueue = queues.GetQueueClient(o.PoisonQueue);
    }

    public BlobContainerClient Staging { get; }
    public QueueClient UploadQueue { get; }
    public QueueClient PoisonQueue { get; }

    /// <summary>Creates the container and queues when missing; harmless to repeat.</summary>
    public Task EnsureCreatedAsync(CancellationToken ct) => Task.WhenAll(
        Staging.CreateIfNotExistsAsync(cancellationToken: ct),
        UploadQueue.CreateIfNotExistsAsync(cancellationToken: ct),
        PoisonQueue.CreateIfNotExistsAsync(cancellationToken: ct));

    /// <summary>
    /// Every staged block carries a transactional MD5 that storage checks before it keeps the block, so bytes changed on
    /// the way are refused rather than stored. Without a client checksum the service computes a CRC64 of each block
    /// itself, which Azurite does in JavaScript: there MD5 makes staging a 1 MiB block about three times cheaper
    /// (bench/run, upload). An image streamed in one Put Blob turns it off for that call: storage computes the MD5 of a
    /// Put Blob itself, and the handler compares it with its own.
    /// </summary>
    internal static BlobClientOptions BlobOptions()
    {
        var options = new BlobClientOptions();
        options.TransferValidation.Upload.ChecksumAlgorithm = StorageChecksumAlgorithm.MD5;
        options.AddPolicy(new StreamedPut(), HttpPipelinePosition.PerCall);
        return options;
    }

    private static void ConfigureRetries(RetryOptions retry)
    {
        // Short, bounded retries: callers (HTTP requests, queue invocations) have their own retry story.
        retry.MaxRetries = 3;
        retry.Mode = RetryMode.Exponential;
        retry.Delay = TimeSpan.FromMilliseconds(100);
        retry.MaxDelay = TimeSpan.FromSeconds(2);
        retry.NetworkTimeout = TimeSpan.FromSeconds(30);
    }
}
