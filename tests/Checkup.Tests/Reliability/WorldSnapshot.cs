using System.Text;
using Azure.Storage.Blobs.Models;
using Checkup.Core.Storage;
using Dapper;
using Npgsql;

namespace Checkup.Tests.Reliability;

/// <summary>
/// Everything a request could have changed, as text: every row of every table of a database of the test's own, every
/// blob of the staging container (committed or only staged blocks) with its etag, and every message of the queues.
/// </summary>
public static class WorldSnapshot
{
    public static async Task<string> TakeAsync(string database, StorageClients storage)
    {
        var text = new StringBuilder();
        await using var connection = new NpgsqlConnection(database);
        var tables = await connection.QueryAsync<string>(
            "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name");
        foreach (var table in tables)
        {
            // Every column, rows in a stable order (their JSON text sorts them whatever the key is).
            var rows = await connection.QueryAsync<string>($"select row_to_json(t)::text as row from \"{table}\" t order by 1");
            text.AppendLine($"table {table}:");
            foreach (var row in rows)
            {
                text.AppendLine("  " + row);
            }
        }

        text.AppendLine($"container {storage.Staging.Name}:");
        await foreach (var blob in storage.Staging.GetBlobsAsync(new GetBlobsOptions { States = BlobStates.All, Traits = BlobTraits.Metadata }))
        {
            text.AppendLine($"  {blob.Name} {blob.Properties.ETag} {blob.Properties.ContentLength} {string.Join(",", blob.Metadata.Select(m => m.Key + "=" + m.Value))}");
        }

        foreach (var queue in new[] { storage.UploadQueue, storage.PoisonQueue })
        {
            text.AppendLine($"queue {queue.Name} ({(await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount} messages):");
            foreach (var message in (await queue.PeekMessagesAsync(32)).Value)
            {
                text.AppendLine($"  {message.MessageId} {message.DequeueCount} {message.Body}");
            }
        }

        return text.ToString();
    }
}
