using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;

namespace FunctionsHost.Timers;

/// <summary>The timer's last and next occurrence, as the Azure host keeps it (TimerInfo.ScheduleStatus).</summary>
internal sealed record ScheduleStatus(DateTime Last, DateTime Next, DateTime LastUpdated);

/// <summary>
/// Keeps each timer's ScheduleStatus in a blob of the storage account (timers/{hostId}/{timer}/status in
/// azure-webjobs-hosts, as the Azure host), so a host that starts after a missed occurrence knows it is past due.
/// </summary>
internal sealed class ScheduleMonitor(BlobContainerClient container, string hostId)
{
    public async Task<ScheduleStatus?> GetStatusAsync(string timerName, CancellationToken cancellationToken)
    {
        try
        {
            var content = await Blob(timerName).DownloadContentAsync(cancellationToken);
            return JsonSerializer.Deserialize<ScheduleStatus>(content.Value.Content.ToString());
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public Task UpdateStatusAsync(string timerName, ScheduleStatus status, CancellationToken cancellationToken) =>
        Blob(timerName).UploadAsync(BinaryData.FromString(JsonSerializer.Serialize(status)), overwrite: true, cancellationToken);

    private BlobClient Blob(string timerName) => container.GetBlobClient($"timers/{hostId}/{timerName}/status");
}
