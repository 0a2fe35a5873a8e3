using Checkup.Core.Configuration;
using Checkup.Core.Database;
using Checkup.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Checkup.Core;

/// <summary>
/// Applies migrations and creates the container and queues at start. A failure is logged, not fatal: the
/// process must come up (the Functions host gives up after three failed starts) and report the problem through
/// <c>/api/health</c>; requests that need the missing piece fail until it is back.
/// </summary>
/// <remarks>
/// The work runs beside the server's start, not before it: Kestrel, the routes and the first JIT take about as long
/// as the database and storage round trips, so waiting for one before starting the other added them up
/// (bench/run, cold start). Until <see cref="Completion"/> ends, <c>/api/health</c> answers 503 "starting" and other
/// requests wait for it (Checkup.Functions StartupGate).
/// </remarks>
public sealed class StartupTasks(
    IOptions<DatabaseOptions> database,
    NpgsqlDataSource dataSource,
    StorageClients storage,
    ILogger<StartupTasks> logger) : IHostedService
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Ends once migrations and storage creation have finished, failed (logged) or been stopped; it never faults.</summary>
    public Task Completion => _completion.Task;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = RunAsync();
        return Task.CompletedTask;
    }

    /// <summary>The database and storage are independent: both are made ready at once.</summary>
    private async Task RunAsync()
    {
        try
        {
            await Task.Yield(); // the host's start goes on at once, whatever the tasks do synchronously
            await Task.WhenAll(MigrateAsync(_stopping.Token), CreateStorageAsync(_stopping.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopped while starting: nothing left to wait for.
        }
        finally
        {
            _completion.TrySetResult();
        }
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (!database.Value.MigrateOnStart)
        {
            return;
        }

        try
        {
            if (await Migrator.UpToDateAsync(dataSource, cancellationToken))
            {
                return;
            }

            var applied = await Task.Run(() => Migrator.Apply(database.Value.ConnectionString!, logger), cancellationToken);
            if (applied.Count > 0)
            {
                logger.LogInformation("Applied migrations: {Migrations}", string.Join(", ", applied));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Database migrations could not be applied at start; /api/health reports the database");
        }
    }

    private async Task CreateStorageAsync(CancellationToken cancellationToken)
    {
        try
        {
            await storage.EnsureCreatedAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "The staging container or the image queues could not be created at start; /api/health reports storage");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }
}
