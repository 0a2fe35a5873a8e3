using System.Text.Json.Serialization;
using Checkup.Core.Storage;
using Npgsql;

namespace Checkup.Core.Health;

public sealed record ComponentHealth(string Status, string? Error);

public sealed record HealthReport(string Status, IReadOnlyDictionary<string, ComponentHealth> Checks)
{
    [JsonIgnore]
    public bool Healthy => Status == "healthy";

    /// <summary>The same statuses without the reasons, which name hosts and ports.</summary>
    public HealthReport WithoutErrors() =>
        this with { Checks = Checks.ToDictionary(c => c.Key, c => c.Value with { Error = null }) };
}

/// <summary>Readiness of the two things every request needs: PostgreSQL and blob/queue storage.</summary>
public sealed class HealthProbe(NpgsqlDataSource dataSource, StorageClients storage, StartupTasks startup)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    /// <summary>
    /// While the start-up tasks run, the database may still be migrating and the queues missing: probing them would name
    /// a "problem" that is only a start, so both report "starting" (503) until the tasks end.
    /// </summary>
    public static readonly HealthReport Starting = new("starting", new Dictionary<string, ComponentHealth>
    {
        ["database"] = new("starting", null),
        ["storage"] = new("starting", null),
    });

    public async Task<HealthReport> CheckAsync(CancellationToken ct)
    {
        if (!startup.Completion.IsCompleted)
        {
            return Starting;
        }

        var database = CheckAsync(async token =>
        {
            await using var connection = await dataSource.OpenConnectionAsync(token);
            await using var command = new NpgsqlCommand("select count(*) from schema_migrations", connection);
            await command.ExecuteScalarAsync(token);
        }, ct);
        var blob = CheckAsync(async token => await storage.Staging.GetPropertiesAsync(cancellationToken: token), ct);
        var queue = CheckAsync(async token => await storage.UploadQueue.GetPropertiesAsync(token), ct);
        await Task.WhenAll(database, blob, queue);

        var storageHealth = (blob.Result, queue.Result) switch
        {
            (null, null) => new ComponentHealth("healthy", null),
            var (b, q) => new ComponentHealth("unhealthy", string.Join("; ", new[] { b, q }.Where(e => e is not null))),
        };
        var checks = new Dictionary<string, ComponentHealth>
        {
            ["database"] = database.Result is null ? new("healthy", null) : new("unhealthy", database.Result),
            ["storage"] = storageHealth,
        };
        return new HealthReport(checks.Values.All(c => c.Status == "healthy") ? "healthy" : "unhealthy", checks);
    }

    /// <returns>null when healthy, else a short reason.</returns>
    private static async Task<string?> CheckAsync(Func<CancellationToken, Task> probe, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Budget);
        try
        {
            await probe(timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"no answer within {Budget.TotalSeconds:0} s";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return e.GetType().Name + ": " + FirstLine(e.Message);
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
