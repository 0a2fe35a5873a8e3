using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Npgsql;

namespace Checkup.Bench;

/// <summary>Removes what an interrupted run left behind: bench_* databases, bench-* containers and queues.</summary>
public static class Sweep
{
    public static async Task<int> RunAsync()
    {
        var databases = new List<string>();
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Bench.Postgres) { Database = "postgres", Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var list = new NpgsqlCommand("select datname from pg_database where datname like 'bench\\_%'", connection);
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                databases.Add(reader.GetString(0));
            }
        }

        foreach (var database in databases)
        {
            await Bench.SqlAsync(Bench.Postgres, $"drop database if exists \"{database}\" with (force)", "postgres");
        }

        var blobs = new BlobServiceClient(Bench.Storage);
        var containers = 0;
        await foreach (var container in blobs.GetBlobContainersAsync(prefix: "bench-"))
        {
            await blobs.DeleteBlobContainerAsync(container.Name);
            containers++;
        }

        var queues = new QueueServiceClient(Bench.Storage);
        var queueCount = 0;
        await foreach (var queue in queues.GetQueuesAsync(prefix: "bench-"))
        {
            await queues.DeleteQueueAsync(queue.Name);
            queueCount++;
        }

        Console.Error.WriteLine($"sweep: removed {databases.Count} databases, {containers} containers, {queueCount} queues left by earlier runs");
        return 0;
    }
}
